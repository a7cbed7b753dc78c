/**
 * The actuator endpoint {@code picante}: the runtime's revision, ingredients, cells, dependency graph and
 * explanations, eviction of derived memos, and saving or compacting the durable store.
 */
@NullMarked
package dev.picante.spring.autoconfigure.actuate.endpoint;

import org.jspecify.annotations.NullMarked;
