-- The demo's own schema, migrated by Spring Boot's Flyway (history table flyway_schema_history), beside the
-- picante store's private migration (history table picante_schema_history). Written for H2 and PostgreSQL.
-- The pages of demo.docs.source=database: one row per page, its path (without .md) and its Markdown text.
CREATE TABLE DOC_PAGE (
    PATH VARCHAR(4096) NOT NULL PRIMARY KEY,
    BODY VARCHAR NOT NULL,
    VERSION BIGINT NOT NULL
);
