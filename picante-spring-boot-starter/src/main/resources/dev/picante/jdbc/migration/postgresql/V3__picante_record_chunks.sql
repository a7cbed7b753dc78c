-- picante durable store, format 2 (PostgreSQL): a full save's records packed many to a row (at most 1,000 records or
-- about 256 KB per chunk, a larger record alone), a hundred times fewer rows to delete and insert than one
-- per record. PICANTE_RECORDS stays, to read stores saved in format 1; a save in format 2 empties it.
-- Managed by picante's own Flyway history table (picante_schema_history).

CREATE TABLE PICANTE_RECORD_CHUNKS (
    STORE_NAME      VARCHAR(200) NOT NULL,
    SECTION_NAME    VARCHAR(500) NOT NULL,
    CHUNK_NO        INTEGER      NOT NULL,
    FIRST_RECORD_NO INTEGER      NOT NULL,
    RECORD_COUNT    INTEGER      NOT NULL,
    CHUNK           BYTEA        NOT NULL,
    CONSTRAINT PICANTE_RECORD_CHUNKS_PK PRIMARY KEY (STORE_NAME, SECTION_NAME, CHUNK_NO),
    CONSTRAINT PICANTE_RECORD_CHUNKS_FK FOREIGN KEY (STORE_NAME, SECTION_NAME)
        REFERENCES PICANTE_SECTIONS (STORE_NAME, SECTION_NAME) ON DELETE CASCADE
);

-- Chunks are kept out of line (TOAST) without compression: compressing them made a full save of 110,000
-- small records about a third slower (JdbcStoreBenchmark.save, PostgreSQL, run back to back: 757 and 828 ms
-- with compression, 530 and 534 ms without), at the cost of the disk space compression would save.
ALTER TABLE PICANTE_RECORD_CHUNKS ALTER COLUMN CHUNK SET STORAGE EXTERNAL;
