-- 0001_initial: versions, deployments and the hash-chained audit log of the host.
--
-- Applied by src/store/migrate.rs inside one transaction; the database's
-- `PRAGMA user_version` records the last migration applied. Never edit a released
-- migration: add 0002_… instead.

-- Immutable component versions. The bytes live in blobs/sha256/<sha256>.
CREATE TABLE versions (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    version       TEXT    NOT NULL,
    sha256        TEXT    NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
    size          INTEGER NOT NULL CHECK (size >= 0),
    manifest_toml TEXT    NOT NULL,
    deployed_by   TEXT    NOT NULL,
    deployed_at   INTEGER NOT NULL,
    UNIQUE (name, version)
);

CREATE TRIGGER versions_immutable BEFORE UPDATE ON versions
BEGIN
    SELECT RAISE(ABORT, 'versions are immutable');
END;

-- One row per deployed component: which version serves and how traffic is split.
-- The canary columns are all NULL when no canary runs.
CREATE TABLE deployments (
    name                  TEXT    PRIMARY KEY NOT NULL,
    active_version        TEXT,
    previous_version      TEXT,
    canary_version        TEXT,
    canary_weight         INTEGER CHECK (canary_weight BETWEEN 0 AND 100),
    canary_sticky_header  TEXT,
    canary_max_error_rate REAL,
    canary_strategy       TEXT,
    canary_steps          TEXT,    -- JSON array of percentages, e.g. [10,50,100]
    canary_step_index     INTEGER CHECK (canary_step_index >= 0),
    canary_interval_ms    INTEGER CHECK (canary_interval_ms >= 0),
    undeployed            INTEGER NOT NULL DEFAULT 0 CHECK (undeployed IN (0, 1)),
    updated_at            INTEGER NOT NULL,
    -- Either no canary at all, or one with every required field.
    CHECK (canary_version IS NOT NULL OR (canary_weight IS NULL AND canary_strategy IS NULL
        AND canary_steps IS NULL AND canary_step_index IS NULL)),
    CHECK (canary_version IS NULL OR (canary_weight IS NOT NULL AND canary_strategy IS NOT NULL
        AND canary_steps IS NOT NULL AND canary_step_index IS NOT NULL)),
    FOREIGN KEY (name, active_version)   REFERENCES versions (name, version),
    FOREIGN KEY (name, previous_version) REFERENCES versions (name, version),
    FOREIGN KEY (name, canary_version)   REFERENCES versions (name, version)
);

-- Append-only audit log. hash = sha256(prev_hash || canonical encoding of the row);
-- see src/store/audit.rs for the exact encoding.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY CHECK (seq >= 1),
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL CHECK (action IN ('deploy', 'update', 'promote', 'abort',
                  'rollback', 'undeploy', 'delete-version', 'permission-denied', 'trap',
                  'auth-failure')),
    component TEXT,
    version   TEXT,
    detail    TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL CHECK (length(prev_hash) = 64),
    hash      TEXT    NOT NULL CHECK (length(hash) = 64)
);

CREATE INDEX audit_log_component ON audit_log (component, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;

-- The head of the chain (last seq and hash), written in the same transaction as each
-- append, so that `verify` also notices entries cut off the end of the log.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);
