-- 0002_pipelines: pipeline versions beside component versions, and the audit
-- action for failed pipeline runs.
--
-- A pipeline version is a row of `versions` with kind 'pipeline': its blob is
-- the canonical pipeline document (src/pipeline/canonical.rs), its
-- `manifest_toml` the Pipeline.toml it was deployed from. Components and
-- pipelines share one namespace of names, so deployments, history, rollback
-- and the audit log work the same for both.

ALTER TABLE versions ADD COLUMN kind TEXT NOT NULL DEFAULT 'component'
    CHECK (kind IN ('component', 'pipeline'));

-- The exact component versions each pipeline version runs; a pinned component
-- version cannot be deleted while a pipeline version uses it.
CREATE TABLE pipeline_pins (
    pipeline          TEXT NOT NULL,
    pipeline_version  TEXT NOT NULL,
    component         TEXT NOT NULL,
    component_version TEXT NOT NULL,
    PRIMARY KEY (pipeline, pipeline_version, component, component_version),
    FOREIGN KEY (pipeline, pipeline_version)   REFERENCES versions (name, version),
    FOREIGN KEY (component, component_version) REFERENCES versions (name, version)
);

CREATE INDEX pipeline_pins_component ON pipeline_pins (component, component_version);

-- The audit log's action list grows by 'pipeline-failure'. SQLite cannot alter a
-- CHECK constraint, so the table is rebuilt with every row (and its hashes) as is.
DROP TRIGGER audit_log_no_update;
DROP TRIGGER audit_log_no_delete;
DROP INDEX audit_log_component;

CREATE TABLE audit_log_next (
    seq       INTEGER PRIMARY KEY CHECK (seq >= 1),
    at        INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL CHECK (action IN ('deploy', 'update', 'promote', 'abort',
                  'rollback', 'undeploy', 'delete-version', 'permission-denied', 'trap',
                  'auth-failure', 'pipeline-failure')),
    component TEXT,
    version   TEXT,
    detail    TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL CHECK (length(prev_hash) = 64),
    hash      TEXT    NOT NULL CHECK (length(hash) = 64)
);

INSERT INTO audit_log_next (seq, at, actor, action, component, version, detail, prev_hash, hash)
    SELECT seq, at, actor, action, component, version, detail, prev_hash, hash FROM audit_log;

DROP TABLE audit_log;
ALTER TABLE audit_log_next RENAME TO audit_log;

CREATE INDEX audit_log_component ON audit_log (component, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
