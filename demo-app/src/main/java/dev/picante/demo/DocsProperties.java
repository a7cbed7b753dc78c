package dev.picante.demo;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the documentation site comes from ({@code demo.docs.*}).
 *
 * @param path the folder of the site: every {@code *.md} file under it is a page (its path relative to the folder
 *     without {@code .md} is the page's path, whatever characters the file name has), every other file (images,
 *     stylesheets) is served as it is under {@code /docs/}; an mdBook book's {@code src/} folder works as it is.
 *     With {@code source=database}, the folder still holds the other files, and its pages are imported into the
 *     empty table at the first start
 * @param samples whether to copy the bundled sample pages into {@code path} when it does not exist or holds
 *     no page
 * @param watch whether to watch the folder and apply file changes as they happen
 * @param debounce how long the watcher waits after a file change for more before it applies them
 * @param source where the pages are kept: {@code files} (the folder's {@code *.md} files) or {@code database}
 *     (the table {@code DOC_PAGE} of the application's {@code DataSource}, a Spring Data JDBC aggregate)
 */
@ConfigurationProperties("demo.docs")
public record DocsProperties(@DefaultValue("target/demo-docs") Path path, @DefaultValue("true") boolean samples,
        @DefaultValue("true") boolean watch, @DefaultValue("200ms") Duration debounce,
        @DefaultValue("files") Source source) {

    /** Where the pages are kept. */
    public enum Source {

        /** The folder's {@code *.md} files, followed by a watcher and written by the page API. */
        FILES,

        /**
         * The table {@code DOC_PAGE}, written by the page API through Spring Data JDBC; several instances on one
         * PostgreSQL database serve each other's edits (through the shared store's change log).
         */
        DATABASE
    }
}
