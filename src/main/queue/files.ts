/**
 * Run files through Redis: a checkpoint folder or an artefact file, stored under
 * run:<id>:files:<relative path> (and a folder's list of files under its path with a trailing
 * slash), so checkpoints reach the coordinator and any worker can resume from them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { keys } from './wire';

/** Files of one artefact at most this large travel (a checkpoint of a small net is well under it). */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

function listFiles(root: string, rel: string): string[] {
  const abs = path.join(root, rel);
  const st = fs.statSync(abs, { throwIfNoEntry: false });
  if (!st) return [];
  if (st.isFile()) return [rel];
  if (!st.isDirectory()) return [];
  return fs.readdirSync(abs).flatMap((n) => listFiles(root, path.join(rel, n)));
}

/**
 * Stores a run folder's file or folder `rel` in Redis. The files are read and their writes queued
 * on the connection at once (so a command issued next on the same connection comes after them);
 * `written` settles when Redis has them.
 */
export function stageFiles(redis: Redis, runId: string, runDir: string, rel: string): { files: string[]; written: Promise<unknown> } {
  const root = path.resolve(runDir);
  if (!path.resolve(root, rel).startsWith(root + path.sep)) throw new Error(`${rel} leaves the run folder`);
  const files = listFiles(root, rel).filter((f) => !f.includes('.partial-'));
  const multi = redis.multi();
  for (const f of files) {
    const buf = fs.readFileSync(path.join(root, f));
    if (buf.length > MAX_FILE_BYTES) throw new Error(`${f} is ${buf.length} bytes; at most ${MAX_FILE_BYTES} travel through the queue`);
    multi.set(keys.files(runId, f), buf);
  }
  if (fs.statSync(path.join(root, rel), { throwIfNoEntry: false })?.isDirectory()) multi.set(keys.files(runId, `${rel}/`), JSON.stringify(files));
  return { files, written: multi.exec() };
}

/** stageFiles, awaited: the relative paths stored. */
export async function putFiles(redis: Redis, runId: string, runDir: string, rel: string): Promise<string[]> {
  const { files, written } = stageFiles(redis, runId, runDir, rel);
  await written;
  return files;
}

/** Writes a folder stored by putFiles into `runDir`; false if Redis holds no such folder. */
export async function getFolder(redis: Redis, runId: string, runDir: string, rel: string): Promise<boolean> {
  const list = await redis.get(keys.files(runId, `${rel}/`));
  if (!list) return false;
  const root = path.resolve(runDir);
  for (const f of JSON.parse(list) as string[]) {
    const abs = path.resolve(root, f);
    if (!abs.startsWith(root + path.sep)) throw new Error(`file ${f} leaves the run folder`);
    const buf = await redis.getBuffer(keys.files(runId, f));
    if (!buf) return false;
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, buf);
  }
  return true;
}
