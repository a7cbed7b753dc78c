-- picante durable store, format 1, shared change log (h2): input changes of every instance in one global
-- order (picante.store.shared). Managed by picante's own Flyway history table (picante_schema_history).

-- One row per store: the last position handed out (its row lock serializes appends, so position order is
-- commit order, without gaps), the position the full save is known to include, and the position up to
-- which entries were compacted away.
CREATE TABLE PICANTE_SHARED_HEAD (
    STORE_NAME     VARCHAR(200) NOT NULL,
    LAST_POSITION  BIGINT       NOT NULL,
    SAVE_POSITION  BIGINT       NOT NULL,
    COMPACTED_TO   BIGINT       NOT NULL,
    CONSTRAINT PICANTE_SHARED_HEAD_PK PRIMARY KEY (STORE_NAME)
);

-- One row per committed write (a set, a remove or a batch) of any instance.
CREATE TABLE PICANTE_SHARED_LOG (
    STORE_NAME     VARCHAR(200)             NOT NULL,
    LOG_POSITION   BIGINT                   NOT NULL,
    INSTANCE_ID    VARCHAR(200)             NOT NULL,
    FORMAT_VERSION INTEGER                  NOT NULL,
    CHANGES        VARBINARY                    NOT NULL,
    APPENDED_AT    TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT PICANTE_SHARED_LOG_PK PRIMARY KEY (STORE_NAME, LOG_POSITION)
);

-- The instances sharing the store: what each has applied, and when it was last heard of.
CREATE TABLE PICANTE_INSTANCES (
    STORE_NAME       VARCHAR(200)             NOT NULL,
    INSTANCE_ID      VARCHAR(200)             NOT NULL,
    APPLIED_POSITION BIGINT                   NOT NULL,
    STARTED_AT       TIMESTAMP WITH TIME ZONE NOT NULL,
    HEARTBEAT_AT     TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT PICANTE_INSTANCES_PK PRIMARY KEY (STORE_NAME, INSTANCE_ID)
);
