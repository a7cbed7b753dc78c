/**
 * picante in Spring applications: {@link dev.picante.spring.QueryFunction @QueryFunction} methods,
 * inputs and interned tables bound to the current view ({@link dev.picante.spring.PicanteViews}).
 */
@NullMarked
package dev.picante.spring;

import org.jspecify.annotations.NullMarked;
