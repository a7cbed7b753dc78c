package dev.picante.demo.db;

import org.jspecify.annotations.Nullable;
import org.springframework.data.annotation.Id;
import org.springframework.data.annotation.Version;
import org.springframework.data.relational.core.mapping.Table;

/**
 * A page of {@code demo.docs.source=database}: an aggregate of the table {@code DOC_PAGE}.
 *
 * @param path the page's path, without {@code .md} (e.g. {@code concepts/early-cutoff})
 * @param body its Markdown text
 * @param version the row's version, incremented by every save ({@code null} for a page not yet saved); concurrent
 *     edits of one page from two instances are refused rather than lost (optimistic locking)
 */
@Table("DOC_PAGE")
public record Page(@Id String path, String body, @Version @Nullable Long version) {

    /** Returns the page with {@code newBody}, to be saved over this one. */
    public Page withBody(String newBody) {
        return new Page(path, newBody, version);
    }
}
