import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { MIGRATIONS } from './migrations';

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
    db.pragma('busy_timeout = 5000');
  } catch (e) {
    throw new StoreError(`cannot open database ${file}: ${(e as Error).message}`, { cause: e });
  }
  migrate(db, targetVersion, file);
  return db;
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
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
