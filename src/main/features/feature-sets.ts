/** Feature-set rows in SQLite (migration 4): one per (dataset, model identity, layer). */
import { randomBytes } from 'node:crypto';
import type { FeatureSetRecord } from '../../shared/api';
import { fromStored, toStored } from '../store/data-paths';
import type { Db } from '../store/db';

interface Row {
  id: string;
  dataset_id: string;
  model: string;
  model_path: string;
  model_hash: string;
  from_run: string | null;
  layer: string;
  default_layer: number;
  dim: number;
  rows: number;
  total: number;
  failed: number;
  complete: number;
  path: string;
  images_per_s: number | null;
  created_at: number;
  updated_at: number;
}

/** A stored feature set: the API record plus what the host needs (model file, identity, counts). */
export interface FeatureSet extends FeatureSetRecord {
  modelPath: string;
  modelHash: string;
  fromRun: string | null;
  defaultLayer: boolean;
  total: number;
  failed: number;
  imagesPerSecond: number | null;
  updatedAt: number;
}

/** A row as the host uses it: paths inside the data directory (stored relative to it) resolved where it is now. */
function toSet(r: Row, dataDir: string): FeatureSet {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    model: r.model,
    layer: r.layer,
    dim: r.dim,
    rows: r.rows,
    complete: r.complete === 1,
    path: fromStored(dataDir, r.path),
    createdAt: r.created_at,
    modelPath: fromStored(dataDir, r.model_path),
    modelHash: r.model_hash,
    fromRun: r.from_run,
    defaultLayer: r.default_layer === 1,
    total: r.total,
    failed: r.failed,
    imagesPerSecond: r.images_per_s,
    updatedAt: r.updated_at,
  };
}

/** The API's view: no host-only fields. */
export function toRecord(s: FeatureSet): FeatureSetRecord {
  return {
    id: s.id,
    datasetId: s.datasetId,
    model: s.model,
    layer: s.layer,
    dim: s.dim,
    rows: s.rows,
    complete: s.complete,
    path: s.path,
    createdAt: s.createdAt,
  };
}

export class FeatureSets {
  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
  ) {}

  list(datasetId?: string): FeatureSet[] {
    const rows = (
      datasetId
        ? this.db.prepare('SELECT * FROM feature_sets WHERE dataset_id = ? ORDER BY created_at DESC, id').all(datasetId)
        : this.db.prepare('SELECT * FROM feature_sets ORDER BY created_at DESC, id').all()
    ) as Row[];
    return rows.map((r) => toSet(r, this.dataDir));
  }

  get(id: string): FeatureSet | null {
    const r = this.db.prepare('SELECT * FROM feature_sets WHERE id = ?').get(id) as Row | undefined;
    return r ? toSet(r, this.dataDir) : null;
  }

  /** The set for (dataset, model identity, layer); `layer` undefined: the one made with the model's default layer. */
  find(datasetId: string, modelHash: string, layer: string | undefined): FeatureSet | null {
    const r = (
      layer === undefined
        ? this.db
            .prepare('SELECT * FROM feature_sets WHERE dataset_id = ? AND model_hash = ? AND default_layer = 1 ORDER BY updated_at DESC LIMIT 1')
            .get(datasetId, modelHash)
        : this.db.prepare('SELECT * FROM feature_sets WHERE dataset_id = ? AND model_hash = ? AND layer = ?').get(datasetId, modelHash, layer)
    ) as Row | undefined;
    return r ? toSet(r, this.dataDir) : null;
  }

  /** Inserts or updates the row of (dataset, model identity, layer); `defaultLayer` is only ever switched on. */
  upsert(s: {
    datasetId: string;
    model: string;
    modelPath: string;
    modelHash: string;
    fromRun: string | null;
    layer: string;
    defaultLayer: boolean;
    dim: number;
    rows: number;
    total: number;
    failed: number;
    complete: boolean;
    path: string;
    imagesPerSecond: number | null;
  }): FeatureSet {
    const now = Date.now();
    s = { ...s, path: toStored(this.dataDir, s.path), modelPath: toStored(this.dataDir, s.modelPath) };
    const old = this.find(s.datasetId, s.modelHash, s.layer);
    if (old) {
      this.db
        .prepare(
          `UPDATE feature_sets SET model = ?, model_path = ?, from_run = ?, default_layer = MAX(default_layer, ?), dim = ?, rows = ?, total = ?, failed = ?,
        complete = ?, path = ?, images_per_s = COALESCE(?, images_per_s), updated_at = ? WHERE id = ?`,
        )
        .run(
          s.model,
          s.modelPath,
          s.fromRun,
          s.defaultLayer ? 1 : 0,
          s.dim,
          s.rows,
          s.total,
          s.failed,
          s.complete ? 1 : 0,
          s.path,
          s.imagesPerSecond,
          now,
          old.id,
        );
      return this.get(old.id) as FeatureSet;
    }
    const id = `fs-${now.toString(36)}-${randomBytes(3).toString('hex')}`;
    this.db
      .prepare(
        `INSERT INTO feature_sets (id, dataset_id, model, model_path, model_hash, from_run, layer, default_layer, dim, rows, total, failed, complete, path, images_per_s, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        s.datasetId,
        s.model,
        s.modelPath,
        s.modelHash,
        s.fromRun,
        s.layer,
        s.defaultLayer ? 1 : 0,
        s.dim,
        s.rows,
        s.total,
        s.failed,
        s.complete ? 1 : 0,
        s.path,
        s.imagesPerSecond,
        now,
        now,
      );
    return this.get(id) as FeatureSet;
  }
}
