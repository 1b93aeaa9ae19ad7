/** `mlbl features`, `mlbl eval` and `mlbl caption`: feature sets and language-model runs from the command line. */
import { parseArgs } from 'node:util';
import type { FeatureSetRecord } from '../shared/api';
import { resolveDataDir } from '../main/data-dir';
import { createHost, type Host } from '../main/host';
import { toRecord } from '../main/features/feature-sets';
import type { EvalReport, SplitChoice } from '../main/lm/lm-service';
import { classifierEval, isClassifierRun } from './classifier-commands';

export const LM_USAGE = `  mlbl features (--from-run ID | --model PATH/model.json) [--layer NAME] --dataset ID [--json] [--data-dir DIR]
      image features of every image of a dataset from a TF.js layers model (default layer: its
      pooled penultimate one) or a ConvNet run (default: its penultimate dense layer); cached per
      model, layer and dataset, resumed when interrupted; progress on stderr, then the feature
      set (id, path, rows, dim)
  mlbl features list [--dataset ID] [--json]            list feature sets
  mlbl eval RUN_ID [--dataset ID] [--split test|validation|all] [--beam 3] [--checkpoint best|last|ID] [--json]
      a language-model run's checkpoint on a dataset split (default: the run's dataset, test
      split): perplexity, BLEU-1..4 (beam search), retrieval R@1/5/10 and median rank both ways
  mlbl caption RUN_ID IMAGE... [--beam K | --temperature T] [--top-k K] [--max-length N] [--seed N] [--json]
      captions for image files (features extracted with the run's extractor); every word with
      its probability in --json`;

const out = (o: unknown): void => {
  process.stdout.write(JSON.stringify(o) + '\n');
};

function openHost(dataDir: string | undefined): Host {
  return createHost({ dataDir: resolveDataDir(dataDir), transport: 'websocket', concurrency: 0 });
}

function intOption(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} ${v}: expected a whole number ${min}..${max}`);
  return n;
}

/** Ctrl-C ends the host (and its engines) cleanly; a feature file stays resumable. */
async function withHost<T>(dataDir: string | undefined, f: (host: Host) => Promise<T>): Promise<T> {
  const host = openHost(dataDir);
  const onSigint = (): void => {
    process.stderr.write('\ninterrupted\n');
    void host.close().then(() => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  try {
    return await f(host);
  } finally {
    process.off('SIGINT', onSigint);
    await host.close();
  }
}

function formatFeatureSets(sets: FeatureSetRecord[]): string {
  if (!sets.length) return 'no feature sets yet (mlbl features --model PATH --dataset ID)';
  const head = ['id', 'dataset', 'rows', 'dim', 'complete', 'layer', 'model'];
  const rows = sets.map((s) => [s.id, s.datasetId, String(s.rows), String(s.dim), s.complete ? 'yes' : 'no', s.layer, s.model]);
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

export async function cmdFeatures(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'from-run': { type: 'string' },
      model: { type: 'string' },
      layer: { type: 'string' },
      dataset: { type: 'string' },
      json: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
    },
  });
  if (positionals[0] === 'list') {
    return withHost(values['data-dir'], async (host) => {
      const sets = (await host.dispatch('features.list', { datasetId: values.dataset })) as FeatureSetRecord[];
      process.stdout.write(values.json ? JSON.stringify(sets) + '\n' : formatFeatureSets(sets) + '\n');
      return 0;
    });
  }
  if (positionals.length) throw new Error(`unexpected arguments: ${positionals.join(' ')}`);
  if ((values['from-run'] === undefined) === (values.model === undefined)) throw new Error('give exactly one of --from-run RUN_ID and --model PATH/model.json');
  if (!values.dataset) throw new Error('--dataset ID is required (see mlbl datasets)');
  const tty = process.stderr.isTTY;
  return withHost(values['data-dir'], async (host) => {
    let lastLine = 0;
    const r = await host.features.extract(
      { datasetId: values.dataset as string, model: values.model, fromRun: values['from-run'], layer: values.layer },
      (p) => {
        const line = `features (${p.layer}): ${p.done}/${p.total} images${p.skipped ? ` (${p.skipped} from an earlier extraction)` : ''}${p.imagesPerSecond > 0 ? `, ${p.imagesPerSecond.toFixed(1)} images/s` : ''}${p.failed ? `, ${p.failed} failed` : ''}`;
        if (tty) process.stderr.write(`\r\x1b[K${line}`);
        else if (Date.now() - lastLine > 2000 || p.done === p.total) {
          process.stderr.write(line + '\n');
          lastLine = Date.now();
        }
      },
    );
    if (tty) process.stderr.write('\r\x1b[K');
    const s = r.set;
    if (values.json) {
      out({
        ...toRecord(s),
        failed: s.failed,
        total: s.total,
        cached: r.cached,
        computed: r.computed,
        resumedFrom: r.resumedFrom,
        seconds: r.seconds,
        imagesPerSecond: r.imagesPerSecond,
      });
    } else {
      process.stdout.write(
        [
          `feature set ${s.id}: ${s.rows} x ${s.dim} (${s.model}, layer ${s.layer}) for dataset ${s.datasetId}${s.complete ? '' : ' (incomplete)'}`,
          `  ${s.path}`,
          r.cached
            ? '  cached: nothing extracted'
            : `  extracted ${r.computed} images in ${r.seconds.toFixed(1)} s (${r.imagesPerSecond.toFixed(1)} images/s)${r.resumedFrom ? `, resumed after ${r.resumedFrom}` : ''}`,
          s.failed ? `  ${s.failed} images could not be decoded` : '',
        ]
          .filter(Boolean)
          .join('\n') + '\n',
      );
    }
    return s.complete ? 0 : 1;
  });
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export function formatEval(r: EvalReport): string {
  const l = [
    `run ${r.runId} (${r.model}), checkpoint ${r.checkpoint.id} (epoch ${r.checkpoint.epoch}), ${r.dataset ? `dataset ${r.dataset}` : 'its captions file'}, ${r.split} split: ${r.images} images, ${r.captions} captions, ${r.words} words${r.missingFeatures ? ` (${r.missingFeatures} images without features left out)` : ''}`,
    `perplexity   ${r.perplexity.toFixed(3)}`,
    `BLEU-1..4    ${[r.bleu1, r.bleu2, r.bleu3, r.bleu4].map((v) => v.toFixed(4)).join('  ')}  (beam ${r.beam})`,
  ];
  if (r.retrieval) {
    const f = (s: { r1: number; r5: number; r10: number; medr: number; queries: number }): string =>
      `R@1 ${pct(s.r1)}  R@5 ${pct(s.r5)}  R@10 ${pct(s.r10)}  median rank ${s.medr}  (${s.queries} queries)`;
    l.push(`text->image  ${f(r.retrieval.textToImage)}`, `image->text  ${f(r.retrieval.imageToText)}`);
  } else l.push('retrieval    - (LBL has no image path)');
  l.push(`${r.seconds.toFixed(1)} s`);
  return l.join('\n');
}

export async function cmdEval(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      dataset: { type: 'string' },
      split: { type: 'string', default: 'test' },
      beam: { type: 'string', default: '3' },
      checkpoint: { type: 'string', default: 'best' },
      'max-length': { type: 'string' },
      json: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
    },
  });
  const [runId, ...extra] = positionals;
  if (!runId) throw new Error('RUN_ID is required: mlbl eval RUN_ID [--dataset ID] [--split test|validation|all]');
  if (extra.length) throw new Error(`unexpected arguments: ${extra.join(' ')}`);
  if (!['test', 'validation', 'train', 'all'].includes(values.split)) throw new Error(`--split ${values.split}: expected test, validation, train or all`);
  const beam = intOption('beam', values.beam, 1, 50) as number;
  const maxLength = intOption('max-length', values['max-length'], 1, 100);
  return withHost(values['data-dir'], async (host) => {
    // A ConvNet run: accuracy, per-class scores and the confusion matrix (runs.evalClassifier).
    if (isClassifierRun(host, runId))
      return classifierEval(host, runId, { dataset: values.dataset, split: values.split, checkpoint: values.checkpoint, json: values.json });
    const tty = !values.json && process.stderr.isTTY;
    const r = await host.lm.evaluate(
      runId,
      { dataset: values.dataset, split: values.split as SplitChoice, beam, maxLength, checkpoint: values.checkpoint },
      (m) => {
        if (tty) process.stderr.write(`\r\x1b[K${m}`);
      },
    );
    if (tty) process.stderr.write('\r\x1b[K');
    if (values.json) out(r);
    else process.stdout.write(formatEval(r) + '\n');
    return 0;
  });
}

export async function cmdCaption(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      beam: { type: 'string' },
      temperature: { type: 'string' },
      'top-k': { type: 'string', default: '0' },
      'max-length': { type: 'string', default: '20' },
      seed: { type: 'string', default: '1' },
      checkpoint: { type: 'string', default: 'best' },
      json: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
    },
  });
  const [runId, ...files] = positionals;
  if (!runId || files.length === 0) throw new Error('usage: mlbl caption RUN_ID IMAGE... [--beam K | --temperature T] [--top-k K]');
  if (values.beam !== undefined && values.temperature !== undefined) throw new Error('give --beam K (beam search) or --temperature T (sampling), not both');
  let temperature = 1;
  if (values.temperature !== undefined) {
    temperature = Number(values.temperature);
    if (!(temperature > 0 && temperature <= 10)) throw new Error(`--temperature ${values.temperature}: expected a number in (0, 10]`);
  }
  const beam = intOption('beam', values.beam ?? '3', 1, 20) as number;
  const topK = intOption('top-k', values['top-k'], 0, 100_000) as number;
  if (topK > 0 && values.temperature === undefined) throw new Error('--top-k applies to sampling: give --temperature T as well');
  const method = values.temperature !== undefined ? 'sample' : beam > 1 ? 'beam' : 'greedy';
  const opts = {
    checkpoint: values.checkpoint,
    method,
    beam,
    temperature,
    topK,
    maxLength: intOption('max-length', values['max-length'], 1, 100) as number,
    seed: intOption('seed', values.seed, 0, 2 ** 31 - 1) as number,
  } as const;
  return withHost(values['data-dir'], async (host) => {
    const r = await host.lm.captionFiles(runId, files, opts);
    if (values.json) out({ runId, checkpoint: r[0]?.caption.checkpoint ?? null, captions: r.map((c) => ({ file: c.file, ...c.caption })) });
    else for (const c of r) process.stdout.write(`${c.file}\t${c.caption.text}\n`);
    return 0;
  });
}
