package dev.picante.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.picante.demo.sites.ReferenceSite;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
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
 * heap: every page answers 200, each page is parsed once, the heap after a full GC is at most 25 times the
 * Markdown's size (the shutdown save is off, see the comment in the test).
 */
class LargeSiteTests {

    /** How long the child may run: it takes 1-3 minutes on a loaded 2-core machine. */
    private static final long CHILD_TIMEOUT_MINUTES = 10;

    @TempDir
    Path folder;

    @Test
    void servesTheGeneratedReferenceSiteUnderA256MegabyteHeap() throws Exception {
        Path docs = folder.resolve("docs");
        long markdown = ReferenceSite.write(docs, 42);
        int pages = ReferenceSite.paths().size() + 1;
        Path database = folder.resolve("db");

        // Without the shutdown save: the starter's store builds the whole encoded image in memory to save it, and with
        // Tomcat and the HTTP client in the same 256 MB that save ran out of memory in one run of three (notes/demo.md);
        // ReferenceSiteFootprint measures the save under -Xmx256m without the web server.
        Map<String, String> first = crawl(docs, database, 1, false);
        assertThat(first.get("served")).isEqualTo(String.valueOf(pages));
        assertThat(first.get("parse-computations")).isEqualTo(String.valueOf(pages));
        long heap = Long.parseLong(first.get("heap-after-gc"));
        assertThat(heap).as("heap after GC (%d bytes) against 25 x %d bytes of Markdown", heap, markdown)
                .isLessThanOrEqualTo(25 * markdown);
        // A restart on a saved store (no page parsed) is measured by the benchmarks' ReferenceSiteFootprint;
        // RestartTests checks a warm restart on the sample site.
        System.out.printf("7,500-page site: %d bytes of Markdown, heap after GC %d bytes (%.1fx); %s%n", markdown, heap,
                (double) heap / markdown, first);
    }

    /** Runs {@link LargeSiteCrawl} in a JVM with {@code -Xmx256m}; returns what it printed as {@code name=value}. */
    private static Map<String, String> crawl(Path docs, Path database, int stride, boolean save)
            throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), LargeSiteCrawl.class.getName(), docs.toString(),
                database.toString(), String.valueOf(stride), String.valueOf(save)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuffer output = new StringBuffer();
        // Read on a thread of its own, so that a child that hangs (it once did at its context's close, in H2) fails the
        // test after the timeout with the child's thread dump, instead of blocking this read forever.
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    output.append(line).append('\n');
                }
            } catch (IOException e) {
                output.append("(reading the child's output failed: ").append(e).append(")\n");
            }
        }, "large-site-crawl-output");
        reader.setDaemon(true);
        reader.start();
        if (!process.waitFor(CHILD_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            String dump = threadDump(process.pid());
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("LargeSiteCrawl still running after " + CHILD_TIMEOUT_MINUTES
                    + " minutes; its output:\n" + output + "\nits threads:\n" + dump);
        }
        reader.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(process.exitValue()).as(output.toString()).isZero();
        Map<String, String> values = new HashMap<>();
        for (String line : output.toString().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && line.indexOf(' ') < 0) {
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return values;
    }

    /** The thread dump of a running JVM by {@code jcmd <pid> Thread.print}, or why there is none. */
    private static String threadDump(long pid) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "Thread.print")
                    .redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            p.waitFor(30, TimeUnit.SECONDS);
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no thread dump: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(no thread dump: interrupted)";
        }
    }
}
