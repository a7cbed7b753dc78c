/**
 * Auto-configuration of the durable JDBC store ({@link dev.picante.spring.jdbc}): the store, its shared
 * change log and its lifecycle, configured from {@code picante.store.*}.
 */
@NullMarked
package dev.picante.spring.autoconfigure.jdbc;

import org.jspecify.annotations.NullMarked;
