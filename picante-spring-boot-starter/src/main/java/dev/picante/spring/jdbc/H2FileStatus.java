package dev.picante.spring.jdbc;

/**
 * The file of an H2 file database as H2 reports it ({@code INFORMATION_SCHEMA.SETTINGS}: {@code info.FILE_SIZE},
 * {@code info.FILL_RATE}, {@code info.CHUNKS_FILL_RATE}).
 *
 * <p>The file fill rate is the share of the file's blocks that chunks occupy; the rest is free space left by
 * chunks H2 dropped, which H2 reuses for new chunks but gives back to the file system only when no chunk lies
 * after it. The chunks' fill rate is the share of live data in the chunks. H2's own close-time compaction leaves
 * a file whose chunks are at least 90% live as large as it is, whatever the free space between them, and never
 * moves a chunk larger than 16 MB (see docs/reference/store.md, "The H2 file's size").
 *
 * @param bytes the file's size in bytes
 * @param fillRate the share of the file that chunks occupy, in percent
 * @param chunksFillRate the share of live data in the chunks, in percent
 */
public record H2FileStatus(long bytes, int fillRate, int chunksFillRate) {

    /**
     * Returns the share of the file that holds live data, in percent: the file fill rate times the chunks' fill
     * rate. Chunks replaced within H2's retention time (45 s) count as occupied and not live, though H2 drops
     * them at close: right after a large save this share is low whatever the layout; when the database has just
     * opened, it is the layout the last close left.
     */
    public int liveRate() {
        return fillRate * chunksFillRate / 100;
    }
}
