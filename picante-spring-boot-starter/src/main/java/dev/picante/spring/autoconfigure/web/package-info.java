/**
 * Request-scoped snapshots for Spring MVC and WebFlux: every query function called while handling a web
 * request reads from a snapshot of the database taken when the request started.
 */
@NullMarked
package dev.picante.spring.autoconfigure.web;

import org.jspecify.annotations.NullMarked;
