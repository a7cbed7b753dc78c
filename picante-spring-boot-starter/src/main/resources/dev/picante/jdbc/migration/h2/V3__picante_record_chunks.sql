-- picante durable store, format 2 (H2): a full save's records packed many to a row (at most 1,000 records or
-- about 256 KB per chunk, a larger record alone), a hundred times fewer rows to delete and insert than one
-- per record. PICANTE_RECORDS stays, to read stores saved in format 1; a save in format 2 empties it.
-- Managed by picante's own Flyway history table (picante_schema_history).

-- CHUNK is VARBINARY, kept in the row, rather than a BLOB, which H2 keeps out of line above a small size:
-- a full save of 110,000 small records (JdbcStoreBenchmark.save, H2, run back to back, 5 saves each) took
-- 119 to 595 ms (median 265) with VARBINARY and 366 to 816 ms (median 404) with BLOB.
CREATE TABLE PICANTE_RECORD_CHUNKS (
    STORE_NAME      VARCHAR(200) NOT NULL,
    SECTION_NAME    VARCHAR(500) NOT NULL,
    CHUNK_NO        INTEGER      NOT NULL,
    FIRST_RECORD_NO INTEGER      NOT NULL,
    RECORD_COUNT    INTEGER      NOT NULL,
    CHUNK           VARBINARY    NOT NULL,
    CONSTRAINT PICANTE_RECORD_CHUNKS_PK PRIMARY KEY (STORE_NAME, SECTION_NAME, CHUNK_NO),
    CONSTRAINT PICANTE_RECORD_CHUNKS_FK FOREIGN KEY (STORE_NAME, SECTION_NAME)
        REFERENCES PICANTE_SECTIONS (STORE_NAME, SECTION_NAME) ON DELETE CASCADE
);
