/**
 * Resuming a run in place: choosing its last good checkpoint and rewinding what the store holds
 * to that point, so the resumed engine's steps follow on with no duplicates and no gaps.
 *
 * "Good" means two things. The checkpoint folder is complete (engines write checkpoints under a
 * temporary name and rename them when done), and the host RECORDED it: engines send every
 * metric point measured before a checkpoint ahead of the checkpoint's artefact message, and the
 * host stores messages in order, so a stored checkpoint artefact proves that everything the run
 * measured up to it is stored too. A checkpoint written by an engine whose host was killed before
 * it could record the artefact is not trusted (the points before it may be missing) and is
 * removed with everything else recorded after the chosen one.
 *
 * A third: its files are sound. A checkpoint folder carries manifest.json (every file's size and
 * sha256; older folders are checked by the sizes their JSON implies), and a damaged one (a
 * truncated weights.bin, a flipped byte) is passed over for the next older good one, saying so.
 * When every recorded checkpoint is damaged the resume fails and deletes nothing: the run's
 * history stays as it is, so the user can restore the folder from a backup and resume again (or
 * train the spec afresh as a new run), rather than lose hours of recorded training to a restart.
 *
 * ConvNet runs: `checkpoint` artefacts (meta.dir, meta.steps; folder with state.json).
 * Language-model runs: `resume` artefacts (meta.dir, meta.steps; folder with resume.json).
 */
import fs from 'node:fs';
import path from 'node:path';
import { checkpointDamage, convnetLegacySizes, lmResumeLegacySizes, type LegacySizes } from '../../engine/checkpoint-manifest';
import type { ArtefactRecord } from '../../shared/api';
import { BLOCK_STEPS, insertMetricBatch, type MetricWrite } from '../store/metric-blocks';
import type { Store } from '../store/store';

/** Files that mark a complete checkpoint folder, by artefact kind. */
const STATE_FILES: Record<string, string> = { checkpoint: 'state.json', resume: 'resume.json' };
/** How a folder without manifest.json is checked, by artefact kind. */
const LEGACY_SIZES: Record<string, LegacySizes> = { checkpoint: convnetLegacySizes, resume: lmResumeLegacySizes };

export interface ResumePlan {
  /** The checkpoint folder to continue from (inside the run folder), or null: start over from step 0. */
  checkpoint: string | null;
  /** The first step the resumed engine trains (the checkpoint's step count). */
  steps: number;
  epoch: number;
  /** The chosen checkpoint's artefact row (everything recorded after it goes). */
  artefactId: number | null;
  /** Checkpoint artefacts passed over, and why (for the run's log). */
  rejected: string[];
  /** Recorded checkpoints whose files are damaged, newest first: folder name and what is wrong. */
  damaged: { name: string; reason: string }[];
}

function inside(root: string, p: string): boolean {
  const r = path.resolve(root);
  const abs = path.resolve(p);
  return abs.startsWith(r + path.sep);
}

function stateSteps(dir: string, file: string): number | null {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { steps?: unknown; loop?: { step?: unknown } };
    const s = file === 'resume.json' ? j.loop?.step : j.steps;
    return typeof s === 'number' && Number.isInteger(s) && s >= 0 ? s : null;
  } catch {
    return null;
  }
}

/** The newest recorded, complete checkpoint of a run; null checkpoint if there is none. */
export function planResume(store: Store, runId: string, runDir: string): ResumePlan {
  const rows = store
    .artefacts(runId)
    .filter((a) => a.kind in STATE_FILES)
    .sort((a, b) => b.id - a.id);
  const rejected: string[] = [];
  const damaged: ResumePlan['damaged'] = [];
  for (const a of rows) {
    const plan = checkCandidate(a, runDir, rejected, damaged);
    if (plan) return { ...plan, rejected, damaged };
  }
  return { checkpoint: null, steps: 0, epoch: 0, artefactId: null, rejected, damaged };
}

/** The log line of a resume that passed over damaged checkpoints (null if none was). */
export function damageNote(plan: ResumePlan): string | null {
  if (plan.damaged.length === 0) return null;
  const what = plan.damaged.map((d) => `checkpoint ${d.name} is damaged (${d.reason})`).join('; ');
  return plan.checkpoint ? `${what}; resuming from ${path.basename(plan.checkpoint)}` : `${what}; no good checkpoint is left`;
}

function checkCandidate(
  a: ArtefactRecord,
  runDir: string,
  rejected: string[],
  damaged: ResumePlan['damaged'],
): Omit<ResumePlan, 'rejected' | 'damaged'> | null {
  const dir = typeof a.meta.dir === 'string' ? a.meta.dir : null;
  const steps = typeof a.meta.steps === 'number' ? a.meta.steps : null;
  if (dir === null || steps === null) return null; // not a resumable checkpoint (an LM's best-model folder)
  const abs = path.resolve(runDir, dir);
  if (!inside(runDir, abs)) {
    rejected.push(`${dir}: outside the run folder`);
    return null;
  }
  const file = STATE_FILES[a.kind] as string;
  const onDisk = stateSteps(abs, file);
  if (onDisk === null) {
    rejected.push(`${dir}: missing or unreadable ${file}`);
    return null;
  }
  if (onDisk !== steps) {
    rejected.push(`${dir}: holds step ${onDisk}, recorded as step ${steps}`);
    return null;
  }
  const reason = checkpointDamage(abs, LEGACY_SIZES[a.kind] as LegacySizes);
  if (reason !== null) {
    damaged.push({ name: path.basename(abs), reason });
    return null;
  }
  return { checkpoint: abs, steps, epoch: a.epoch, artefactId: a.id };
}

export interface RewindReport {
  metrics: number;
  samples: number;
  artefacts: number;
  folders: string[];
}

/**
 * Deletes what the run recorded after the plan's checkpoint (metric points at steps >= plan.steps,
 * samples after it, artefacts recorded after it) in one transaction, then removes checkpoint
 * folders beyond it. Starting over (no checkpoint) clears the run's records and folder.
 */
export function rewindRun(store: Store, runId: string, runDir: string, plan: ResumePlan): RewindReport {
  const db = store.db;
  const S = plan.steps;
  const report: RewindReport = { metrics: 0, samples: 0, artefacts: 0, folders: [] };
  db.transaction(() => {
    report.metrics = deleteMetricsFrom(store, runId, S);
    report.samples = db
      .prepare(plan.checkpoint ? 'DELETE FROM samples WHERE run_id = ? AND step > ?' : 'DELETE FROM samples WHERE run_id = ? AND step >= ?')
      .run(runId, S).changes;
    report.artefacts = db.prepare('DELETE FROM artefacts WHERE run_id = ? AND id > ?').run(runId, plan.artefactId ?? 0).changes;
  }).immediate();
  if (!plan.checkpoint) {
    if (fs.existsSync(runDir)) {
      for (const name of fs.readdirSync(runDir)) {
        fs.rmSync(path.join(runDir, name), { recursive: true, force: true });
        report.folders.push(name);
      }
    }
    return report;
  }
  // Checkpoints beyond the chosen one (and leftovers of interrupted writes) go.
  for (const [sub, file] of [
    ['checkpoints', 'state.json'],
    ['resume', 'resume.json'],
  ] as const) {
    const root = path.join(runDir, sub);
    if (!fs.existsSync(root)) continue;
    for (const name of fs.readdirSync(root)) {
      const d = path.join(root, name);
      if (!fs.statSync(d).isDirectory()) continue;
      const steps = name.includes('.partial-') ? null : stateSteps(d, file);
      if (path.resolve(d) !== path.resolve(plan.checkpoint) && (steps === null || steps > S)) {
        fs.rmSync(d, { recursive: true, force: true });
        report.folders.push(path.join(sub, name));
      }
    }
  }
  // A best-checkpoint pointer to a folder that is gone would mislead: drop it (the run rewrites it).
  const bestJson = path.join(runDir, 'checkpoints', 'best.json');
  try {
    const best = JSON.parse(fs.readFileSync(bestJson, 'utf8')) as { dir?: string };
    if (!best.dir || !fs.existsSync(path.join(runDir, best.dir))) fs.rmSync(bestJson, { force: true });
  } catch {
    /* no best.json */
  }
  return report;
}

/**
 * Deletes a run's metric points at steps >= `from` and keeps the block summaries of
 * store/metric-blocks.ts right: blocks reaching past `from` are dropped, and the points left in
 * the last partly kept level-1 block are written again, which recomputes its summaries. Call
 * inside a transaction.
 */
function deleteMetricsFrom(store: Store, runId: string, from: number): number {
  const db = store.db;
  const [b0, b1] = BLOCK_STEPS;
  const n = db.prepare('DELETE FROM metrics WHERE run_id = ? AND step >= ?').run(runId, from).changes;
  if (n === 0) return 0;
  db.prepare('DELETE FROM metric_blocks WHERE run_id = ? AND ((level = 0 AND block >= ?) OR (level = 1 AND block >= ?))').run(
    runId,
    Math.floor(from / b0),
    Math.floor(from / b1),
  );
  const lo = Math.floor(from / b1) * b1;
  const keep = db
    .prepare('SELECT key, step, epoch, wall_time AS wallTime, value FROM metrics WHERE run_id = ? AND step >= ? AND step < ? ORDER BY key, step')
    .all(runId, lo, from) as { key: string; step: number; epoch: number; wallTime: number; value: number | null }[];
  if (keep.length)
    insertMetricBatch(
      db,
      runId,
      keep.map((r): MetricWrite => ({ ...r, value: r.value ?? Number.NaN })),
    );
  return n;
}
