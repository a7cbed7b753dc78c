package dev.picante.spring.jdbc;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Whether the store had H2 compact the file of an H2 file database when the database closes
 * ({@link JdbcStateStore#compactH2File()}).
 *
 * @param file the file when it was asked
 * @param skipped why it was not scheduled, or {@code null} if H2 compacts the file when the database closes
 */
public record H2FileCompaction(H2FileStatus file, @Nullable String skipped) {

    /** Returns whether H2 compacts the file when the database closes. */
    public boolean scheduled() {
        return skipped == null;
    }

    /** Describes it for a log line: the file's size and live share, and what happens. */
    public String describe() {
        String what = String.format(Locale.ROOT, "the file has %.1f MB, %d%% live data (file fill rate %d%%, chunks"
                + " %d%%, those older than 45 s %d%%)", file.bytes() / 1_000_000.0, file.liveRate(), file.fillRate(),
                file.chunksFillRate(), file.settledChunksFillRate());
        return skipped != null ? what + "; not compacted: " + skipped
                : what + "; H2 compacts it to its live data when the database closes (SHUTDOWN COMPACT)";
    }
}
