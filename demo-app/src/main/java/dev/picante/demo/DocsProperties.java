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
 *     stylesheets) is served as it is under {@code /docs/}; an mdBook book's {@code src/} folder works as it is
 * @param samples whether to copy the bundled sample pages into {@code path} when it does not exist or holds
 *     no page
 * @param watch whether to watch the folder and apply file changes as they happen
 * @param debounce how long the watcher waits after a file change for more before it applies them
 */
@ConfigurationProperties("demo.docs")
public record DocsProperties(@DefaultValue("target/demo-docs") Path path, @DefaultValue("true") boolean samples,
        @DefaultValue("true") boolean watch, @DefaultValue("200ms") Duration debounce) {
}
