/**
 * The actuator endpoint {@code picante}: the runtime's revision, ingredients, cells, dependency graph and
 * explanations, and eviction of derived memos.
 */
@NullMarked
package dev.picante.spring.autoconfigure.actuate.endpoint;

import org.jspecify.annotations.NullMarked;
