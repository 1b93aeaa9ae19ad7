import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { MIGRATION_CODE, MIGRATIONS } from './migrations';

export type Db = Database.Database;

export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/**
 * Opens (creating if needed) the workbench database in WAL mode and brings its schema up to
 * `targetVersion` (default: the newest). A database newer than this build is refused rather
 * than touched.
 */
export function openDatabase(file: string, targetVersion = MIGRATIONS.length): Db {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  } catch (e) {
    throw new StoreError(`cannot create the data directory ${path.dirname(file)}: ${(e as Error).message}`, { cause: e });
  }
  let db: Db;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Another workbench process (a CLI command beside mlbl serve, an import worker) may hold the
    // write lock for a while; write transactions are BEGIN IMMEDIATE, so they wait here, never fail
    // halfway on a stale read snapshot.
    db.pragma('busy_timeout = 30000');
  } catch (e) {
    throw new StoreError(`cannot open database ${file}: ${(e as Error).message}`, { cause: e });
  }
  migrate(db, targetVersion, file);
  return db;
}

/**
 * Opens the workbench database for reading only (`mlbl runs`, `mlbl info`, `mlbl datasets`): no
 * write ever reaches the file, so a process training on the same data directory is left alone. A
 * missing or older database is first created or upgraded by openDatabase (the one write such a
 * command may make: the schema, never a run or a host).
 */
export function openReadOnlyDatabase(file: string): Db {
  let current = -1;
  if (fs.existsSync(file)) {
    try {
      const probe = new Database(file, { readonly: true, fileMustExist: true });
      try {
        current = schemaVersion(probe);
      } finally {
        probe.close();
      }
    } catch (e) {
      throw new StoreError(`cannot open database ${file}: ${(e as Error).message}`, { cause: e });
    }
  }
  if (current < MIGRATIONS.length) openDatabase(file).close();
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 30000');
    const version = schemaVersion(db);
    if (version > MIGRATIONS.length) {
      db.close();
      throw new StoreError(`${file} has schema version ${version}, newer than this build knows (${MIGRATIONS.length}); upgrade the workbench`);
    }
    return db;
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw new StoreError(`cannot open database ${file}: ${(e as Error).message}`, { cause: e });
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Db, target: number, file: string): void {
  const current = schemaVersion(db);
  if (current > MIGRATIONS.length) {
    db.close();
    throw new StoreError(`${file} has schema version ${current}, newer than this build knows (${MIGRATIONS.length}); upgrade the workbench`);
  }
  for (let v = current; v < target; v++) {
    const sql = MIGRATIONS[v] as string;
    // IMMEDIATE, and the version read again inside: two processes opening an old file at once
    // upgrade it once, not twice.
    db.transaction(() => {
      if (schemaVersion(db) > v) return;
      db.exec(sql);
      MIGRATION_CODE[v + 1]?.(db, { dataDir: path.dirname(path.resolve(file)) });
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
