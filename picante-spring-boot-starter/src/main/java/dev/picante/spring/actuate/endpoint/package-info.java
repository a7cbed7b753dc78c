/**
 * The actuator endpoint {@code picante}: the runtime's revision, ingredients, cells, dependency graph and
 * explanations, eviction of derived memos, and saving or compacting the durable store. Its
 * auto-configuration is in {@code dev.picante.spring.autoconfigure.actuate.endpoint}.
 */
@NullMarked
package dev.picante.spring.actuate.endpoint;

import org.jspecify.annotations.NullMarked;
