/**
 * The engine behind {@code dev.picante}. Not an API: anything here may change without notice.
 *
 * <p>{@link dev.picante.internal.Engine} is the entry point and its Javadoc gives the overview of the
 * algorithm.
 */
@NullMarked
package dev.picante.internal;

import org.jspecify.annotations.NullMarked;
