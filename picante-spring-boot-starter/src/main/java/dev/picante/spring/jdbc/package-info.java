/**
 * The durable JDBC store of picante: {@link dev.picante.spring.jdbc.JdbcStateStore} saves a database's
 * state (full saves and an append log of changes) in tables prefixed {@code PICANTE_}, migrated by a
 * private Flyway instance, and loads it back at startup; {@link dev.picante.spring.jdbc.JacksonCodec}
 * encodes keys and values as canonical JSON.
 */
@NullMarked
package dev.picante.spring.jdbc;

import org.jspecify.annotations.NullMarked;
