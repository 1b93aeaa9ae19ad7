/**
 * Versioned schema. Each entry upgrades the database from version i to i+1 inside one
 * transaction; `PRAGMA user_version` records where a file stands. Never edit a released
 * migration: append a new one, so old databases upgrade in place.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: runs and their metrics
  `
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    preset TEXT NOT NULL,
    spec_json TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at INTEGER,
    backend TEXT,
    seed INTEGER,
    error TEXT,
    exit_code INTEGER
  );
  CREATE INDEX runs_status ON runs(status);
  CREATE TABLE metrics (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    step INTEGER NOT NULL,
    epoch REAL NOT NULL,
    wall_time REAL NOT NULL,
    value REAL,
    PRIMARY KEY (run_id, key, step)
  ) WITHOUT ROWID;
  `,
  // 2: tags, notes and a summary of last values on runs; samples, artefacts, logs, datasets
  `
  ALTER TABLE runs ADD COLUMN tags_json TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
  ALTER TABLE runs ADD COLUMN summary_json TEXT NOT NULL DEFAULT '{}';
  CREATE INDEX runs_created ON runs(created_at);
  CREATE TABLE samples (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    epoch REAL NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    data_json TEXT NOT NULL DEFAULT 'null',
    created_at INTEGER NOT NULL
  );
  CREATE INDEX samples_run_step ON samples(run_id, step);
  CREATE TABLE artefacts (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    step INTEGER NOT NULL,
    epoch REAL NOT NULL,
    meta_json TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
  );
  CREATE INDEX artefacts_run_kind ON artefacts(run_id, kind);
  CREATE TABLE logs (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    ts INTEGER NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL
  );
  CREATE INDEX logs_run ON logs(run_id, id);
  CREATE TABLE datasets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    stats_json TEXT NOT NULL DEFAULT '{}'
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
