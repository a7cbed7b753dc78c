package dev.picante.demo.db;

import org.jspecify.annotations.Nullable;
import org.springframework.data.annotation.Id;
import org.springframework.data.annotation.Version;

/**
 * A page of {@code demo.docs.source=database}: an aggregate of the table {@code DOC_PAGE} (the name Spring Data
 * JDBC derives from the class name, upper-cased on H2 and lower-cased on PostgreSQL as the unquoted DDL made it).
 *
 * @param path the page's path, without {@code .md} (e.g. {@code concepts/early-cutoff})
 * @param body its Markdown text
 * @param version the row's version, incremented by every save ({@code null} for a page not yet saved); concurrent
 *     edits of one page from two instances are refused rather than lost (optimistic locking)
 */
public record DocPage(@Id String path, String body, @Version @Nullable Long version) {

    /** Returns the page with {@code newBody}, to be saved over this one. */
    public DocPage withBody(String newBody) {
        return new DocPage(path, newBody, version);
    }
}
