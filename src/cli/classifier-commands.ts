/** `mlbl eval` on a ConvNet run, `mlbl predict` and `mlbl inspect`: classifiers and layer stacks from the command line. */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { ClassifierPredictions } from '../shared/api';
import type { ClassifierEvaluation, EvalSplit } from '../shared/classifier-metrics';
import { checkStack, shapeToString } from '../shared/conv-shapes';
import { StackParamSchema } from '../shared/convnet-spec';
import { inputShapeArray, parseInputShape } from '../shared/image-input';
import type { LayerStack } from '../shared/layer-spec';
import { parseLayersText } from '../shared/layer-text';
import { resolveDataDir } from '../main/data-dir';
import { createHost, type Host } from '../main/host';

export const CLASSIFIER_USAGE = `  mlbl eval RUN_ID [--dataset ID] [--split test|validation|train|all] [--checkpoint best|last|ID] [--json]
      on a ConvNet run: accuracy, per-class precision/recall/F1, the confusion matrix and the most
      confident mistakes on a dataset's split (default: the run's dataset, test split); another
      dataset's labels are mapped onto the run's by name. --json: one line with accuracy (0..1),
      per_class and confusion
  mlbl predict RUN_ID IMAGE... [--top-k 3] [--no-saliency] [--saliency-out DIR] [--checkpoint best|last|ID] [--json]
      top-k labels with probabilities for image files; --saliency-out writes one PNG per image
      (which pixels drove the prediction: the input gradient)
  mlbl inspect --input 32x32x3 (--layers 'conv 5x5x5 s1 p0; pool 2; flatten; dense 10' | --stack lenet5|alexnetSmall|photoSmall|JSON) [--json]
      the shape inspector: output volume, weights, biases and multiply-adds per layer
      (layers: conv KxKxF [sN] [pN|same|valid] [act] [nobias]; conv1d KxF; pool|maxpool|avgpool N [sN];
      dense N [act]; dropout R; flatten)`;

const out = (o: unknown): void => {
  process.stdout.write(JSON.stringify(o) + '\n');
};

function checkpointChoice(v: string): 'best' | 'last' | number {
  if (v === 'best' || v === 'last') return v;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--checkpoint ${v}: expected best, last or a checkpoint artefact id`);
  return n;
}

const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;

export function formatClassifierEval(r: ClassifierEvaluation): string {
  const l = [
    `run ${r.runId} (checkpoint ${r.checkpoint.artefactId}, epoch ${r.checkpoint.epoch}) on dataset ${r.dataset}, ${r.split} split: ${r.count} images`,
    `accuracy     ${pct(r.accuracy)}   loss ${r.loss.toFixed(4)}`,
  ];
  if (r.unmapped) l.push(`left out      ${r.unmapped} images of classes the run does not know`);
  if (r.failed) l.push(`left out      ${r.failed} images that could not be decoded`);
  const w = Math.max(5, ...r.labels.map((s) => s.length));
  l.push('', `${'class'.padEnd(w)}  precision  recall     F1         support`);
  for (const c of r.per_class)
    l.push(`${c.label.padEnd(w)}  ${pct(c.precision).padEnd(9)}  ${pct(c.recall).padEnd(9)}  ${c.f1.toFixed(3).padEnd(9)}  ${c.support}`);
  l.push('', `confusion (rows: true, columns: predicted)`);
  const cw = Math.max(w, ...r.confusion.flat().map((v) => String(v).length));
  l.push(`${''.padEnd(w)}  ${r.labels.map((s) => s.padStart(cw)).join('  ')}`);
  r.confusion.forEach((row, i) => l.push(`${(r.labels[i] ?? '').padEnd(w)}  ${row.map((v) => String(v).padStart(cw)).join('  ')}`));
  if (r.mistakes.length) {
    l.push('', `most confident mistakes (of ${r.count - Math.round(r.accuracy * r.count)}):`);
    for (const m of r.mistakes.slice(0, 10)) l.push(`  ${m.path}  true ${m.truth}, predicted ${m.predicted} (${pct(m.confidence)})`);
  }
  return l.join('\n');
}

/** `mlbl eval` on a ConvNet run (called by cmdEval once it knows the run's preset), through the validated dispatch. */
export async function classifierEval(host: Host, runId: string, o: { dataset?: string; split: string; checkpoint: string; json: boolean }): Promise<number> {
  const r = (await host.dispatch('runs.evalClassifier', {
    id: runId,
    ...(o.dataset ? { datasetId: o.dataset } : {}),
    split: o.split as EvalSplit,
    checkpoint: checkpointChoice(o.checkpoint),
  })) as ClassifierEvaluation;
  if (o.json) out(r);
  else process.stdout.write(formatClassifierEval(r) + '\n');
  return 0;
}

export const isClassifierRun = (host: Host, runId: string): boolean => ['convnet', 'lenet5-mnist'].includes(host.store.getRun(runId)?.preset ?? '');

/** A saliency map as a grey PNG, scaled up to at least 256 px on its long side. */
async function writeSaliency(file: string, s: NonNullable<ClassifierPredictions['predictions'][number]['saliency']>): Promise<void> {
  const px = Buffer.from(s.values.map((v) => Math.round(v * 255)));
  const scale = Math.max(1, Math.ceil(256 / Math.max(s.width, s.height)));
  await sharp(px, { raw: { width: s.width, height: s.height, channels: 1 } })
    .resize(s.width * scale, s.height * scale, { kernel: 'nearest' })
    .png()
    .toFile(file);
}

export async function cmdPredict(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'top-k': { type: 'string', default: '3' },
      'no-saliency': { type: 'boolean', default: false },
      'saliency-out': { type: 'string' },
      checkpoint: { type: 'string', default: 'best' },
      json: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
    },
  });
  const [runId, ...files] = positionals;
  if (!runId || files.length === 0) throw new Error('usage: mlbl predict RUN_ID IMAGE... [--top-k K] [--json]');
  const topK = Number(values['top-k']);
  if (!Number.isInteger(topK) || topK < 1 || topK > 1000) throw new Error(`--top-k ${values['top-k']}: expected a whole number 1..1000`);
  const host = createHost({ dataDir: resolveDataDir(values['data-dir']), transport: 'websocket', concurrency: 0 });
  let r: ClassifierPredictions;
  try {
    r = (await host.dispatch('runs.predict', {
      id: runId,
      files: files.map((f) => path.resolve(f)),
      topK,
      saliency: !values['no-saliency'],
      checkpoint: checkpointChoice(values.checkpoint),
    })) as ClassifierPredictions;
  } finally {
    await host.close();
  }
  const dir = values['saliency-out'];
  const written: (string | null)[] = [];
  if (dir) fs.mkdirSync(dir, { recursive: true });
  for (const p of r.predictions) {
    let file: string | null = null;
    if (dir && p.saliency) {
      file = path.join(dir, `${path.basename(p.file).replace(/\.[^.]*$/, '')}.saliency.png`);
      await writeSaliency(file, p.saliency);
    }
    written.push(file);
  }
  if (values.json) out({ ...r, predictions: r.predictions.map((p, i) => ({ ...p, ...(written[i] ? { saliencyFile: written[i] } : {}) })) });
  else
    r.predictions.forEach((p, i) => {
      process.stdout.write(
        `${p.file}\t${p.error ?? p.top.map((t) => `${t.label} ${pct(t.probability)}`).join(', ')}${written[i] ? `\tsaliency: ${written[i]}` : ''}\n`,
      );
    });
  return r.predictions.some((p) => p.error) ? 1 : 0;
}

/** The table `mlbl inspect` prints. */
export function inspectTable(inputText: string, stack: LayerStack): { text: string; json: unknown; ok: boolean } {
  const input = inputShapeArray(parseInputShape(inputText));
  const check = checkStack(input, stack);
  const layers = check.ok ? check.inspection.layers : check.layers;
  const rows = [['#', 'layer', 'type', 'output', 'weights', 'biases', 'params', 'multiply-adds']];
  rows.push(['', 'input', '', shapeToString(input), '', '', '', '']);
  for (const l of layers)
    rows.push([
      String(l.index + 1),
      l.name,
      l.type,
      shapeToString(l.outputShape),
      l.weights.toLocaleString('en-US'),
      l.biases ? `+${l.biases.toLocaleString('en-US')}` : '0',
      l.params.toLocaleString('en-US'),
      l.multiplyAdds.toLocaleString('en-US'),
    ]);
  if (check.ok) {
    const t = check.inspection.totals;
    rows.push([
      '',
      'total',
      '',
      shapeToString(check.inspection.outputShape),
      t.weights.toLocaleString('en-US'),
      `+${t.biases.toLocaleString('en-US')}`,
      t.params.toLocaleString('en-US'),
      t.multiplyAdds.toLocaleString('en-US'),
    ]);
  }
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  let text = rows
    .map((r) =>
      r
        .map((c, i) => (i >= 4 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
  if (!check.ok) text += `\nerror: ${check.error.message}`;
  const json = check.ok ? { ok: true, ...check.inspection } : { ok: false, error: check.error, inputShape: input, layers };
  return { text, json, ok: check.ok };
}

export function cmdInspect(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { input: { type: 'string' }, layers: { type: 'string' }, stack: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  if (positionals.length) throw new Error(`unexpected arguments: ${positionals.join(' ')} (quote the layers: --layers 'conv 5x5x5 s1 p0; ...')`);
  if (!values.input) throw new Error('--input HxWxC is required, e.g. --input 32x32x3');
  if ((values.layers === undefined) === (values.stack === undefined))
    throw new Error("give --layers 'conv 5x5x5 s1 p0; ...' or --stack lenet5|alexnetSmall|photoSmall|JSON");
  let stack: LayerStack;
  if (values.layers !== undefined) stack = parseLayersText(values.layers);
  else {
    const r = StackParamSchema.safeParse(values.stack);
    if (!r.success) throw new Error(`--stack: ${r.error.issues.map((i) => `${i.path.join('.') || 'stack'}: ${i.message}`).join('; ')}`);
    stack = r.data;
  }
  const t = inspectTable(values.input, stack);
  process.stdout.write((values.json ? JSON.stringify(t.json) : t.text) + '\n');
  return t.ok ? 0 : 1;
}
