package dev.picante.demo;

import java.util.List;

/**
 * Published (as an application event) after pages were written to the inputs.
 *
 * @param cause what wrote them, e.g. {@code PUT guide/queries} or {@code file change}
 * @param paths the pages created, changed or deleted
 * @param revision the database's revision after the write
 */
public record PagesChanged(String cause, List<String> paths, long revision) {
}
