/**
 * Micrometer meters of the picante runtime.
 */
@NullMarked
package dev.picante.spring.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
