-- picante durable store, format 3 (H2): every stored byte is checked, and one writer holds an unshared store.
-- Managed by picante's own Flyway history table (picante_schema_history).

-- The manifest of the full save (per section: kind, types, code version, shape, record count and the CRC-32
-- of each chunk; the save's id, revision and lease generation), checked before anything is imported; the
-- position of the last log entry of this save (positions run 1, 2, ... without gaps); the lease generation
-- of the writer. Null or 0 in stores saved in formats 1 and 2, which load without these checks.
ALTER TABLE PICANTE_METADATA ADD COLUMN MANIFEST VARBINARY;
ALTER TABLE PICANTE_METADATA ADD COLUMN LOG_POSITION BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE PICANTE_METADATA ADD COLUMN GENERATION BIGINT DEFAULT 0 NOT NULL;

-- The code version of the function that computed a derived section, and the fingerprint of the shapes of
-- its key and value types (record components, field names and types).
ALTER TABLE PICANTE_SECTIONS ADD COLUMN CODE_VERSION VARCHAR(1000) DEFAULT '' NOT NULL;
ALTER TABLE PICANTE_SECTIONS ADD COLUMN SHAPE VARCHAR(100) DEFAULT '' NOT NULL;

-- A CRC-32C over the entry's position, save id, revision and bytes; null in entries of formats 1 and 2.
ALTER TABLE PICANTE_LOG ADD COLUMN CHECKSUM BIGINT;

-- The lease of an unshared store: which instance writes it (null when released), its host and process id
-- (to recognise a holder that died), and the fencing generation, raised by each acquisition: a save or an
-- append of an older generation is refused.
CREATE TABLE PICANTE_LEASE (
    STORE_NAME  VARCHAR(200)             NOT NULL,
    OWNER_ID    VARCHAR(200),
    OWNER_HOST  VARCHAR(200),
    OWNER_PID   BIGINT,
    GENERATION  BIGINT                   NOT NULL,
    ACQUIRED_AT TIMESTAMP WITH TIME ZONE NOT NULL,
    RENEWED_AT  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT PICANTE_LEASE_PK PRIMARY KEY (STORE_NAME)
);
