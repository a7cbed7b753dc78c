package dev.picante.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.demo.sites.ReferenceSite;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo serves the generated 7,500-page command reference ({@link ReferenceSite}) in a JVM limited to a 256 MB
 * heap: every page answers 200, the heap after a full GC is at most 25 times the Markdown's size, the shutdown save
 * succeeds, and a restart on the saved store parses no page again.
 */
class LargeSiteTests {

    @TempDir
    Path folder;

    @Test
    void servesTheGeneratedReferenceSiteUnderA256MegabyteHeap() throws Exception {
        Path docs = folder.resolve("docs");
        long markdown = ReferenceSite.write(docs, 42);
        int pages = ReferenceSite.paths().size() + 1;
        Path database = folder.resolve("db");

        Map<String, String> first = crawl(docs, database, 1, true);
        assertThat(first.get("served")).isEqualTo(String.valueOf(pages));
        assertThat(first.get("parse-computations")).isEqualTo(String.valueOf(pages));
        long heap = Long.parseLong(first.get("heap-after-gc"));
        assertThat(heap).as("heap after GC (%d bytes) against 25 x %d bytes of Markdown", heap, markdown)
                .isLessThanOrEqualTo(25 * markdown);
        long size = Files.size(folder.resolve("db.mv.db"));

        // Every tenth page, to keep the test short. Without the shutdown save: after a restart the starter's store
        // saves the full image again (edits or not) and that save does not fit in 256 MB (notes/demo.md).
        Map<String, String> second = crawl(docs, database, 10, false);
        assertThat(second.get("served")).isEqualTo(String.valueOf((pages + 9) / 10));
        // r[store.restore]: the warm restart computes no page again.
        assertThat(second.get("parse-computations")).isEqualTo("0");
        System.out.printf("7,500-page site: %d bytes of Markdown, heap after GC %d bytes (%.1fx), H2 file %d bytes "
                + "after the first crawl; first crawl %s; restart %s%n", markdown, heap, (double) heap / markdown, size,
                first, second);
    }

    /** Runs {@link LargeSiteCrawl} in a JVM with {@code -Xmx256m}; returns what it printed as {@code name=value}. */
    private static Map<String, String> crawl(Path docs, Path database, int stride, boolean save) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), LargeSiteCrawl.class.getName(), docs.toString(),
                database.toString(), String.valueOf(stride), String.valueOf(save)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Map<String, String> values = new HashMap<>();
        StringBuilder output = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                output.append(line).append('\n');
                int eq = line.indexOf('=');
                if (eq > 0 && line.indexOf(' ') < 0) {
                    values.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
        }
        assertThat(process.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output.toString()).isZero();
        return values;
    }
}
