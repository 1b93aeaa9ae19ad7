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
  // 3: dataset contents (src/main/datasets): items, captions (+ full-text index), classes,
  // word counts, skipped-input reports and the source fingerprint for duplicate detection
  `
  ALTER TABLE datasets ADD COLUMN format TEXT NOT NULL DEFAULT '';
  ALTER TABLE datasets ADD COLUMN images_dir TEXT;
  ALTER TABLE datasets ADD COLUMN fingerprint TEXT;
  ALTER TABLE datasets ADD COLUMN split_json TEXT NOT NULL DEFAULT 'null';
  ALTER TABLE datasets ADD COLUMN import_ms INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX datasets_fingerprint ON datasets(fingerprint);
  CREATE TABLE dataset_classes (
    dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (dataset_id, idx)
  ) WITHOUT ROWID;
  CREATE TABLE dataset_items (
    id INTEGER PRIMARY KEY,
    dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    key TEXT NOT NULL,
    path TEXT,
    frame INTEGER,
    label INTEGER,
    split TEXT NOT NULL,
    source_split TEXT,
    width INTEGER,
    height INTEGER,
    bytes INTEGER,
    image_format TEXT,
    origin_file TEXT,
    origin_line INTEGER,
    caption_count INTEGER NOT NULL DEFAULT 0,
    first_caption TEXT
  );
  CREATE UNIQUE INDEX dataset_items_ord ON dataset_items(dataset_id, ord);
  CREATE UNIQUE INDEX dataset_items_key ON dataset_items(dataset_id, key);
  CREATE INDEX dataset_items_label ON dataset_items(dataset_id, label, ord);
  CREATE INDEX dataset_items_split ON dataset_items(dataset_id, split, ord);
  CREATE TABLE dataset_captions (
    id INTEGER PRIMARY KEY,
    dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    item_id INTEGER NOT NULL REFERENCES dataset_items(id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    text TEXT NOT NULL,
    tokens TEXT NOT NULL,
    ntokens INTEGER NOT NULL,
    line INTEGER
  );
  CREATE INDEX dataset_captions_item ON dataset_captions(item_id, n);
  CREATE INDEX dataset_captions_dataset ON dataset_captions(dataset_id);
  CREATE VIRTUAL TABLE dataset_captions_fts USING fts5(tokens, content='dataset_captions', content_rowid='id', tokenize="unicode61 remove_diacritics 0 tokenchars '''<>#'");
  CREATE TRIGGER dataset_captions_ai AFTER INSERT ON dataset_captions BEGIN
    INSERT INTO dataset_captions_fts(rowid, tokens) VALUES (new.id, new.tokens);
  END;
  CREATE TRIGGER dataset_captions_ad AFTER DELETE ON dataset_captions BEGIN
    INSERT INTO dataset_captions_fts(dataset_captions_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens);
  END;
  CREATE TABLE dataset_words (
    dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    word TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (dataset_id, word)
  ) WITHOUT ROWID;
  CREATE TABLE dataset_skips (
    id INTEGER PRIMARY KEY,
    dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    file TEXT NOT NULL,
    line INTEGER,
    reason TEXT NOT NULL,
    message TEXT NOT NULL
  );
  CREATE INDEX dataset_skips_dataset ON dataset_skips(dataset_id, id);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
