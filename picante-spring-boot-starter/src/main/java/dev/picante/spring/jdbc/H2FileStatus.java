package dev.picante.spring.jdbc;

/**
 * The file of an H2 file database as H2 reports it ({@code INFORMATION_SCHEMA.SETTINGS}: {@code info.FILE_SIZE},
 * {@code info.FILL_RATE}, {@code info.CHUNKS_FILL_RATE}, {@code info.CHUNKS_FILL_RATE_RW}).
 *
 * <p>The file fill rate is the share of the file's blocks that chunks occupy; the rest is free space left by
 * chunks H2 dropped, which H2 reuses for new chunks but gives back to the file system only when no chunk lies
 * after it. The chunks' fill rate is the share of live data in the chunks. H2's own close-time compaction leaves
 * a file whose chunks are at least 90% live as large as it is, whatever the free space between them, and never
 * moves a chunk larger than 16 MB (see docs/reference/store.md, "The H2 file's size").
 *
 * @param bytes the file's size in bytes
 * @param fillRate the share of the file (up to its last chunk) that chunks occupy, in percent
 * @param chunksFillRate the share of live data in the chunks, in percent
 * @param settledChunksFillRate the share of live data in the chunks older than H2's retention time (45 s), in
 *     percent (100 when there are none): younger chunks without live data are still counted by H2, which drops
 *     them at close
 */
public record H2FileStatus(long bytes, int fillRate, int chunksFillRate, int settledChunksFillRate) {

    /**
     * Returns the share of the file that holds live data as far as H2's close cannot change it, in percent: the
     * file fill rate times the settled chunks' fill rate. Chunks replaced in the last 45 s count as occupied (the
     * close drops them, and truncates the file if they are at its end), not as dead: so a large save just made, or
     * a database just created, does not read as mostly free space.
     */
    public int liveRate() {
        return fillRate * settledChunksFillRate / 100;
    }
}
