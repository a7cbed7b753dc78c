/**
 * The pages kept in the database ({@code demo.docs.source=database}): a Spring Data JDBC aggregate mirrored as a
 * picante input.
 */
@NullMarked
package dev.picante.demo.db;

import org.jspecify.annotations.NullMarked;
