/**
 * Versioned schema. Each entry upgrades the database from version i to i+1 inside one
 * transaction; `PRAGMA user_version` records where a file stands. Never edit a released
 * migration: append a new one, so old databases upgrade in place.
 */
import type { Db } from './db';
import { relativeToDataDir } from './data-paths';

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
  // 4: feature sets (src/main/features): one feature matrix file per (model identity, layer,
  // dataset), possibly incomplete (an extraction resumes from it)
  `
  CREATE TABLE feature_sets (
    id TEXT PRIMARY KEY,
    dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    model_path TEXT NOT NULL,
    model_hash TEXT NOT NULL,
    from_run TEXT,
    layer TEXT NOT NULL,
    default_layer INTEGER NOT NULL DEFAULT 0,
    dim INTEGER NOT NULL DEFAULT 0,
    rows INTEGER NOT NULL DEFAULT 0,
    total INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    complete INTEGER NOT NULL DEFAULT 0,
    path TEXT NOT NULL,
    images_per_s REAL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX feature_sets_key ON feature_sets(dataset_id, model_hash, layer);
  `,
  // 5: metric summaries for fast downsampled queries (src/main/store/metric-blocks.ts): per
  // (run, key), level 0 = blocks of 64 steps, level 1 = 1024 steps; count and first/min/max/last
  // point of each. Backfilled here from the stored metrics.
  `
  CREATE TABLE metric_blocks (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    level INTEGER NOT NULL,
    block INTEGER NOT NULL,
    n INTEGER NOT NULL,
    f_step INTEGER NOT NULL, f_epoch REAL NOT NULL, f_wall REAL NOT NULL, f_value REAL,
    lo_step INTEGER NOT NULL, lo_epoch REAL NOT NULL, lo_wall REAL NOT NULL, lo_value REAL,
    hi_step INTEGER NOT NULL, hi_epoch REAL NOT NULL, hi_wall REAL NOT NULL, hi_value REAL,
    l_step INTEGER NOT NULL, l_epoch REAL NOT NULL, l_wall REAL NOT NULL, l_value REAL,
    PRIMARY KEY (run_id, key, level, block)
  ) WITHOUT ROWID;
  INSERT INTO metric_blocks (run_id, key, level, block, n, f_step, f_epoch, f_wall, f_value, lo_step, lo_epoch, lo_wall, lo_value, hi_step, hi_epoch, hi_wall, hi_value, l_step, l_epoch, l_wall, l_value)
  SELECT run_id, key, 0, blk, COUNT(*),
    MAX(CASE WHEN rf = 1 THEN step END), MAX(CASE WHEN rf = 1 THEN epoch END), MAX(CASE WHEN rf = 1 THEN wall_time END), MAX(CASE WHEN rf = 1 THEN value END),
    MAX(CASE WHEN rlo = 1 THEN step END), MAX(CASE WHEN rlo = 1 THEN epoch END), MAX(CASE WHEN rlo = 1 THEN wall_time END), MAX(CASE WHEN rlo = 1 THEN value END),
    MAX(CASE WHEN rhi = 1 THEN step END), MAX(CASE WHEN rhi = 1 THEN epoch END), MAX(CASE WHEN rhi = 1 THEN wall_time END), MAX(CASE WHEN rhi = 1 THEN value END),
    MAX(CASE WHEN rl = 1 THEN step END), MAX(CASE WHEN rl = 1 THEN epoch END), MAX(CASE WHEN rl = 1 THEN wall_time END), MAX(CASE WHEN rl = 1 THEN value END)
  FROM (
    SELECT run_id, key, step, epoch, wall_time, value, blk,
      ROW_NUMBER() OVER (PARTITION BY run_id, key, blk ORDER BY step) AS rf,
      ROW_NUMBER() OVER (PARTITION BY run_id, key, blk ORDER BY value IS NOT NULL, value, step) AS rlo,
      ROW_NUMBER() OVER (PARTITION BY run_id, key, blk ORDER BY value IS NULL, value DESC, step) AS rhi,
      ROW_NUMBER() OVER (PARTITION BY run_id, key, blk ORDER BY step DESC) AS rl
    FROM (SELECT *, (CASE WHEN step >= 0 THEN step / 64 ELSE -((-step + 63) / 64) END) AS blk FROM metrics)
  )
  GROUP BY run_id, key, blk;
  INSERT INTO metric_blocks (run_id, key, level, block, n, f_step, f_epoch, f_wall, f_value, lo_step, lo_epoch, lo_wall, lo_value, hi_step, hi_epoch, hi_wall, hi_value, l_step, l_epoch, l_wall, l_value)
  SELECT run_id, key, 1, blk, SUM(n),
    MAX(CASE WHEN rf = 1 THEN f_step END), MAX(CASE WHEN rf = 1 THEN f_epoch END), MAX(CASE WHEN rf = 1 THEN f_wall END), MAX(CASE WHEN rf = 1 THEN f_value END),
    MAX(CASE WHEN rlo = 1 THEN lo_step END), MAX(CASE WHEN rlo = 1 THEN lo_epoch END), MAX(CASE WHEN rlo = 1 THEN lo_wall END), MAX(CASE WHEN rlo = 1 THEN lo_value END),
    MAX(CASE WHEN rhi = 1 THEN hi_step END), MAX(CASE WHEN rhi = 1 THEN hi_epoch END), MAX(CASE WHEN rhi = 1 THEN hi_wall END), MAX(CASE WHEN rhi = 1 THEN hi_value END),
    MAX(CASE WHEN rl = 1 THEN l_step END), MAX(CASE WHEN rl = 1 THEN l_epoch END), MAX(CASE WHEN rl = 1 THEN l_wall END), MAX(CASE WHEN rl = 1 THEN l_value END)
  FROM (
    SELECT *,
      ROW_NUMBER() OVER (PARTITION BY run_id, key, blk ORDER BY block) AS rf,
      ROW_NUMBER() OVER (PARTITION BY run_id, key, blk ORDER BY lo_value IS NOT NULL, lo_value, lo_step) AS rlo,
      ROW_NUMBER() OVER (PARTITION BY run_id, key, blk ORDER BY hi_value IS NULL, hi_value DESC, hi_step) AS rhi,
      ROW_NUMBER() OVER (PARTITION BY run_id, key, blk ORDER BY block DESC) AS rl
    FROM (SELECT *, (CASE WHEN block >= 0 THEN block / 16 ELSE -((-block + 15) / 16) END) AS blk FROM metric_blocks WHERE level = 0)
  )
  GROUP BY run_id, key, blk;
  `,
  // 6: which workbench process owns a queued or running run, so a second process on the same
  // data directory (a CLI command beside mlbl serve) neither interrupts nor starts it
  `
  CREATE TABLE hosts (
    id TEXT PRIMARY KEY,
    pid INTEGER NOT NULL,
    machine TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    seen_at INTEGER NOT NULL
  );
  ALTER TABLE runs ADD COLUMN host_id TEXT;
  `,
  // 7: paths of files inside the data directory stored relative to it (artefact rows, feature
  // sets), so the directory can be moved; the rewrite needs the data directory's location, so it
  // is code: MIGRATION_CODE[7]
  `
  SELECT 7;
  `,
  // 8: time spent training (active-time.ts): closed running intervals and the open one's start.
  // Older runs count from start to end, as they were shown before.
  `
  ALTER TABLE runs ADD COLUMN active_ms INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE runs ADD COLUMN running_since INTEGER;
  UPDATE runs SET active_ms = MAX(0, ended_at - started_at) WHERE started_at IS NOT NULL AND ended_at IS NOT NULL;
  UPDATE runs SET running_since = started_at WHERE status = 'running' AND started_at IS NOT NULL;
  `,
  // 9: sweeps (a base spec and the grid/draws that made its runs, sweeps/sweep-service.ts), the
  // sweep a run belongs to, and for a remote run (queue/) the worker that trained it, its BullMQ
  // job and how far its event stream was stored when the coordinator closed (catch-up on reopen).
  `
  CREATE TABLE sweeps (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    preset TEXT NOT NULL,
    spec_json TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  ALTER TABLE runs ADD COLUMN sweep_id TEXT REFERENCES sweeps(id) ON DELETE SET NULL;
  ALTER TABLE runs ADD COLUMN worker TEXT;
  ALTER TABLE runs ADD COLUMN queue_job TEXT;
  ALTER TABLE runs ADD COLUMN queue_cursor TEXT;
  CREATE INDEX runs_sweep ON runs(sweep_id);
  `,
];

/** What a migration does in code after its SQL (same transaction), by the version it brings the database to. */
export const MIGRATION_CODE: Readonly<Record<number, (db: Db, ctx: { dataDir: string }) => void>> = {
  7: (db, { dataDir }) => {
    // Absolute paths under the data directory -> relative. A directory moved before this upgrade
    // is recognised by the run's or dataset's own folder in the path (runs/<id>/, datasets/<id>/).
    const arts = db.prepare('SELECT id, run_id, path FROM artefacts').all() as { id: number; run_id: string; path: string }[];
    const setArt = db.prepare('UPDATE artefacts SET path = ? WHERE id = ?');
    for (const a of arts) {
      const rel = relativeToDataDir(dataDir, a.path, `runs/${a.run_id}/`);
      if (rel !== a.path) setArt.run(rel, a.id);
    }
    const sets = db.prepare('SELECT id, dataset_id, from_run, path, model_path FROM feature_sets').all() as {
      id: string;
      dataset_id: string;
      from_run: string | null;
      path: string;
      model_path: string;
    }[];
    const setFs = db.prepare('UPDATE feature_sets SET path = ?, model_path = ? WHERE id = ?');
    for (const f of sets) {
      const p = relativeToDataDir(dataDir, f.path, `datasets/${f.dataset_id}/features/`);
      const m = relativeToDataDir(dataDir, f.model_path, f.from_run ? `runs/${f.from_run}/` : null);
      if (p !== f.path || m !== f.model_path) setFs.run(p, m, f.id);
    }
  },
};

export const SCHEMA_VERSION = MIGRATIONS.length;
