/**
 * `mlbl sweep`: creates a sweep's runs through the same dispatch as the UI (sweeps.create), follows
 * them, prints one line per finished run (JSON with --json) and a summary naming the best run.
 * Locally the runs go through the host's run queue, `--concurrency` at a time (default: one per
 * two cores); with a queue URL they are BullMQ jobs for `mlbl worker` processes.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { RunRecord, SweepDetail } from '../shared/api';
import { PRESETS } from '../shared/run-spec';
import { parseRangeArg, splitKeyArg, type SweepRange, type SweepSpecInput } from '../shared/sweep-spec';
import { resolveDataDir } from '../main/data-dir';
import { createHost } from '../main/host';
import { redactUrl as redact, resolveQueueUrl } from '../main/queue/queue-url';

export const SWEEP_USAGE = `  mlbl sweep --preset P [--set k=v ...] [--grid key=v1,v2 ...] [--random N --range key=lo:hi[:log][:int] ...]
             [--seed S] [--metric KEY] [--goal max|min] [--concurrency K] [--queue URL] [--name NAME] [--json] [--data-dir DIR]
      a sweep: the grid's every combination and/or N seeded draws over ranges (uniform, log-uniform
      with :log, integers with :int, a choice with a,b,c); one line per finished run, then the best
      run by --metric (default val_accuracy for ConvNets, val_perplexity for language models).
      Locally K runs at a time (default one per two cores); with --queue (or MLBL_QUEUE) the runs
      are jobs for \`mlbl worker\` processes`;

export async function cmdSweep(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      preset: { type: 'string' },
      name: { type: 'string' },
      set: { type: 'string', multiple: true, default: [] },
      grid: { type: 'string', multiple: true, default: [] },
      random: { type: 'string' },
      range: { type: 'string', multiple: true, default: [] },
      seed: { type: 'string' },
      metric: { type: 'string' },
      goal: { type: 'string' },
      concurrency: { type: 'string' },
      queue: { type: 'string' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.preset) throw new Error(`--preset is required (one of ${PRESETS.join(', ')})`);
  const set: Record<string, string> = {};
  let runName: string | undefined;
  for (const s of values.set) {
    const [k, v] = splitKeyArg('--set', s);
    if (k === 'name') runName = v;
    else set[k] = v;
  }
  const grid: Record<string, string[]> = {};
  for (const g of values.grid) {
    const [k, v] = splitKeyArg('--grid', g);
    grid[k] = v.split(',').map((x) => x.trim());
  }
  const ranges: Record<string, SweepRange> = {};
  for (const r of values.range) {
    const [k, v] = splitKeyArg('--range', r);
    ranges[k] = parseRangeArg(k, v);
  }
  const int = (flag: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} ${v}: expected a whole number`);
    return n;
  };
  const concurrency = int('concurrency', values.concurrency) ?? Math.max(1, Math.floor(os.cpus().length / 2));
  if (concurrency < 1) throw new Error('--concurrency must be at least 1');
  if (values.goal !== undefined && values.goal !== 'max' && values.goal !== 'min') throw new Error(`--goal ${values.goal}: expected max or min`);
  const spec: SweepSpecInput = {
    name: values.name ?? runName,
    preset: values.preset as SweepSpecInput['preset'],
    set,
    grid,
    ranges,
    random: int('random', values.random) ?? 0,
    seed: int('seed', values.seed) ?? 1,
    metric: values.metric,
    goal: values.goal as 'max' | 'min' | undefined,
  };
  const json = values.json;
  const queue = resolveQueueUrl(values.queue);
  const host = createHost({ dataDir: resolveDataDir(values['data-dir']), transport: 'websocket', concurrency, queue });
  const out = (o: unknown): void => {
    process.stdout.write(JSON.stringify(o) + '\n');
  };
  let sweep: SweepDetail;
  try {
    sweep = (await host.dispatch('sweeps.create', { spec })) as SweepDetail;
  } catch (e) {
    await host.close();
    throw e;
  }
  const valuesOf = new Map(sweep.runs.map((r) => [r.id, sweepValuesOf(r, sweep.swept)]));
  if (json)
    out({ event: 'sweep.created', id: sweep.id, name: sweep.name, runs: sweep.runs.map((r) => ({ id: r.id, name: r.name, values: valuesOf.get(r.id) })) });
  else
    process.stderr.write(
      `sweep ${sweep.id} (${sweep.name}): ${sweep.runs.length} runs, ${queue ? `queued on ${redact(queue)}` : `${concurrency} at a time`}, in ${host.dataDir}\n`,
    );
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\nstopping the sweep (Ctrl-C again to abort)\n');
    for (const r of sweep.runs) void host.dispatch('runs.stop', { id: r.id }).catch(() => {});
  };
  process.on('SIGINT', onSigint);
  const finished = await Promise.all(
    sweep.runs.map(async (r) => {
      const f = await host.runs.waitFor(r.id);
      const line = {
        event: 'run.finished',
        id: f.id,
        name: f.name,
        status: f.status,
        values: valuesOf.get(f.id),
        worker: f.worker ?? null,
        error: f.error,
        metrics: f.summary,
      };
      if (json) out(line);
      else
        process.stdout.write(
          `${f.status} ${f.id} ${Object.entries(line.values ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}: ${f.summary[sweep.metric] ?? '-'} ${sweep.metric}${f.error ? ` (${f.error})` : ''}\n`,
        );
      return f;
    }),
  );
  process.off('SIGINT', onSigint);
  const final = host.sweeps.mustGet(sweep.id);
  await host.close();
  const best = final.best ? finished.find((r) => r.id === final.best?.id) : undefined;
  const summary = {
    event: 'sweep.finished',
    id: final.id,
    runs: final.runs.length,
    counts: final.counts,
    metric: final.metric,
    goal: final.goal,
    best: best ? { id: best.id, name: best.name, value: final.best?.value, values: valuesOf.get(best.id) } : null,
  };
  if (json) out(summary);
  else
    process.stdout.write(best ? `best (${final.goal} ${final.metric}): ${best.id} ${best.name}: ${final.best?.value}\n` : `no run recorded ${final.metric}\n`);
  return finished.every((r) => r.status === 'completed') ? 0 : 1;
}

/** The swept values of a run, read from its spec (what the runs table's hyperparameter columns show). */
function sweepValuesOf(r: RunRecord, swept: string[]): Record<string, unknown> {
  const p = r.spec.params as Record<string, unknown>;
  return Object.fromEntries(swept.map((k) => [k, p[k]]));
}
