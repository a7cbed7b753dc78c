package dev.picante.demo;

import java.util.List;
import java.util.Optional;

/**
 * Where the query functions read pages from: the folder's files ({@code demo.docs.source=files}, the inputs
 * {@code pages} and {@code site}) or the {@code DOC_PAGE} table ({@code demo.docs.source=database}, its repository
 * input). Every read is from the current view and is tracked: inside a query function it is a dependency.
 */
public interface PageSource {

    /** Returns the Markdown text of page {@code path}, or empty if there is no such page. */
    Optional<String> text(String path);

    /**
     * Returns the Markdown text of page {@code path}.
     *
     * @throws dev.picante.MissingInputException if there is no such page
     */
    String require(String path);

    /** Returns the page paths, sorted by {@link String#compareTo}; depends on the set of pages, not their texts. */
    List<String> paths();
}
