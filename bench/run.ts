/**
 * Training-throughput benchmark (issue 3), dataset benchmark (issue 4, `--only dataset`, in
 * ./dataset.ts) and metrics benchmark (issue 7, `--only metrics`, in ./metrics.ts); the last two
 * are not in the default set; nor is the export-latency benchmark (issue 14, `--only export-latency`,
 * in ./export-latency.ts, run alone).
 *
 * Issue 17 adds `features` (MobileNetV2 feature extraction against its PyTorch peer, ./features.ts)
 * and `caption` (caption explorer latency: warm, new image, cold; ./caption.ts), not in the default set.
 *
 *   npm run bench -- [--only lenet5,mlblb,gemm,features,caption,dataset] [--out FILE] [--backend auto|wasm|cpu|tensorflow]
 *                    [--no-peers] [--quick] [--repeat N] [--dataset-n N] [--export-n N]
 *
 * Prints ONE JSON object on stdout (progress goes to stderr). Networks, sizes and protocol follow
 * ../shared/bench/peers/lenet5_torch.py and mlbl_torch.py: LeNet-5 batch 64, Adam, 4096 random
 * images, one warm-up epoch then 2 timed epochs; MLBL-B V 5000, K 100, n 5, F 4096, batch 100,
 * SGD momentum 0.9, 20000 random examples, one warm-up epoch then one timed epoch. The PyTorch
 * peers run in the same invocation, alternating with ours (never concurrently) for --repeat rounds
 * (default 3); each side reports its best round and ratios are ours/peer.
 */
import * as tf from '@tensorflow/tfjs';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend, isBackendName, wasmInfo, type BackendName } from '../src/engine/backend';
import { benchDataset } from './dataset';
import { benchConvNetInput } from './convnet-input';
import { benchImportBomb } from './import-bomb';
import { benchExportLatency, EXPORT_LATENCY_DEFAULTS } from './export-latency';
import { benchMetrics, METRICS_DEFAULTS } from './metrics';
import { benchQueue, QUEUE_DEFAULTS } from './queue';
import { buildLeNet5, MlblB, MLBLB_PEER_SIZES } from './models';
import { FusedAdamOptimizer } from '../src/engine/train/fused-adam';
import { defaultPeersDir, runPeer, type PeerResult } from './peers';
import { setupFeatures } from './features';
import { benchCaption } from './caption';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Args {
  only: Set<string>;
  out: string | null;
  backend: 'auto' | BackendName;
  peers: boolean;
  quick: boolean;
  repeat: number;
  datasetN: number;
  exportN: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    only: new Set(['lenet5', 'mlblb', 'gemm']),
    out: null,
    backend: 'auto',
    peers: true,
    quick: false,
    repeat: 3,
    datasetN: 100_000,
    exportN: EXPORT_LATENCY_DEFAULTS.points,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = (): string => {
      const val = argv[++i];
      if (val === undefined) throw new Error(`${k} needs a value`);
      return val;
    };
    if (k === '--only')
      a.only = new Set(
        v()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      );
    else if (k === '--out') a.out = v();
    else if (k === '--backend') {
      const b = v();
      if (b !== 'auto' && !isBackendName(b)) throw new Error(`--backend ${b}: expected auto, tensorflow, wasm or cpu`);
      a.backend = b;
    } else if (k === '--no-peers') a.peers = false;
    else if (k === '--quick') a.quick = true;
    else if (k === '--repeat') {
      a.repeat = Number(v());
      if (!Number.isInteger(a.repeat) || a.repeat < 1) throw new Error('--repeat needs a positive integer');
    } else if (k === '--dataset-n') {
      a.datasetN = Number(v());
      if (!Number.isInteger(a.datasetN) || a.datasetN < 200) throw new Error('--dataset-n needs an integer >= 200 (one page)');
    } else if (k === '--export-n') {
      a.exportN = Number(v());
      if (!Number.isInteger(a.exportN) || a.exportN < 1000) throw new Error('--export-n needs an integer >= 1000');
    } else throw new Error(`unknown argument ${k}`);
  }
  for (const o of a.only)
    if (!['lenet5', 'mlblb', 'gemm', 'features', 'caption', 'dataset', 'metrics', 'import-bomb', 'export-latency', 'queue', 'convnet-input'].includes(o))
      throw new Error(`--only: unknown benchmark ${o}`);
  if (a.only.has('import-bomb') && a.only.size > 1) throw new Error('--only import-bomb runs alone (it measures child processes)');
  return a;
}

const say = (m: string): void => void process.stderr.write(`[bench] ${m}\n`);
const cpuSeconds = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

interface Throughput {
  per_s: number;
  per_cpu_s: number;
  seconds: number;
  steps: number;
  tensors_before: number;
  tensors_after: number;
}

interface Bench {
  /** One timed pass (the warm-up epoch already ran in setup). */
  timed(): Throughput;
  dispose(): void;
}

/** Sets up a benchmark: runs one warm-up epoch; each `timed()` then runs `epochs` timed epochs. */
function makeBench(stepsPerEpoch: number, itemsPerStep: number, epochs: number, step: (i: number) => void, cleanup: () => void): Bench {
  for (let i = 0; i < stepsPerEpoch; i++) step(i);
  return {
    timed(): Throughput {
      const tensorsBefore = tf.memory().numTensors;
      const t0 = performance.now();
      const c0 = cpuSeconds();
      for (let e = 0; e < epochs; e++) for (let i = 0; i < stepsPerEpoch; i++) step(i);
      const dt = (performance.now() - t0) / 1000;
      const dc = cpuSeconds() - c0;
      const items = epochs * stepsPerEpoch * itemsPerStep;
      return {
        per_s: round(items / dt),
        per_cpu_s: round(items / dc),
        seconds: round(dt, 2),
        steps: epochs * stepsPerEpoch,
        tensors_before: tensorsBefore,
        tensors_after: tf.memory().numTensors,
      };
    },
    dispose: cleanup,
  };
}

function setupLeNet5(quick: boolean): Bench {
  const batch = 64;
  const n = quick ? 1024 : 4096;
  const epochs = quick ? 1 : 2;
  const model = buildLeNet5(0);
  const opt = new FusedAdamOptimizer(1e-3); // what the ConvNet trainer uses for Adam
  const x = tf.randomNormal([n, 28, 28, 1], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.randomUniform([n], 0, 10, 'int32', 2), 10);
  const xs = tf.split(x, n / batch);
  const ys = tf.split(y, n / batch);
  const step = (i: number): void => {
    const xb = xs[i] as tf.Tensor;
    const yb = ys[i] as tf.Tensor;
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(yb, model.apply(xb) as tf.Tensor) as tf.Scalar, true);
    loss?.dataSync();
    loss?.dispose();
  };
  return makeBench(n / batch, batch, epochs, step, () => {
    tf.dispose([x, y, ...xs, ...ys]);
    opt.dispose();
    model.dispose();
  });
}

function setupMlblB(quick: boolean): Bench {
  const batch = 100;
  const n = quick ? 2000 : 20000;
  const sizes = MLBLB_PEER_SIZES;
  const model = new MlblB(sizes, 0);
  const opt = tf.train.momentum(0.1, 0.9);
  const ctx = tf.randomUniform([n, sizes.context], 0, sizes.vocab, 'int32', 3) as tf.Tensor2D;
  const next = tf.randomUniform([n], 0, sizes.vocab, 'int32', 4) as tf.Tensor1D;
  const x = tf.randomNormal([n, sizes.features], 0, 1, 'float32', 5) as tf.Tensor2D;
  const steps = n / batch;
  const ctxs = tf.split(ctx, steps) as tf.Tensor2D[];
  const nexts = tf.split(next, steps) as tf.Tensor1D[];
  const xsb = tf.split(x, steps) as tf.Tensor2D[];
  const vars = model.variables();
  const step = (i: number): void => {
    const loss = opt.minimize(() => model.loss(ctxs[i] as tf.Tensor2D, xsb[i] as tf.Tensor2D, nexts[i] as tf.Tensor1D), true, vars);
    loss?.dataSync();
    loss?.dispose();
  };
  return makeBench(steps, batch, 1, step, () => {
    tf.dispose([ctx, next, x, ...ctxs, ...nexts, ...xsb]);
    opt.dispose();
    model.dispose();
  });
}

/** Keeps the best (highest) of several measurements of the same figure. */
function best<T>(xs: T[], key: (x: T) => number): T | undefined {
  let b: T | undefined;
  for (const x of xs) if (b === undefined || key(x) > key(b)) b = x;
  return b;
}

/** 1024x1024x1024 matmul, the backend's GEMM ceiling (weights cached, as the fast path allows). */
function benchGemm(): number {
  const n = 1024;
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 6);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 7);
  const once = (): void => tf.tidy(() => void tf.matMul(a, b).dataSync());
  once();
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    once();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  tf.dispose([a, b]);
  return round((2 * n ** 3) / best / 1e9, 2);
}

function peerFigure(p: PeerResult | undefined, key: string): number | null {
  if (!p || !p.ok) return null;
  const v = p.result[key];
  return typeof v === 'number' ? v : null;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const training = ['lenet5', 'mlblb', 'gemm', 'features', 'caption'].some((b) => args.only.has(b));
  if (args.only.has('convnet-input')) {
    // Issue 16: the 64x64x3 input pipeline on flickr8k-mini's photos (decode, cache, batches) beside training steps.
    if (args.only.size > 1) throw new Error('--only convnet-input runs alone');
    const choice = await selectBackend(args.backend, (m) => say(m));
    emit(
      {
        bench: 'convnet-input',
        date: new Date().toISOString(),
        node: process.version,
        cpus: os.cpus().length,
        backend: choice.backend,
        load_avg_before: os.loadavg().map((l) => round(l, 2)),
        ...(await benchConvNetInput(say)),
        load_avg_after: os.loadavg().map((l) => round(l, 2)),
      },
      args.out,
    );
    return;
  }
  if (args.only.has('import-bomb')) {
    // Issue 14: import peak memory with decompression bombs among the images (child processes only).
    const out: Record<string, unknown> = {
      bench: 'import-bomb',
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      load_avg_before: os.loadavg().map((l) => round(l, 2)),
      ...(await benchImportBomb(say)),
      load_avg_after: os.loadavg().map((l) => round(l, 2)),
    };
    emit(out, args.out);
    return;
  }
  if (!training && args.only.has('queue')) {
    // Issue 15: the job queue's overhead against a local run, and the coordinator's storing rate from 8 remote runs; alone.
    if (args.only.size > 1) throw new Error('--only queue runs alone (it times training runs)');
    const o = args.quick ? { ...QUEUE_DEFAULTS, trainLimit: 1_000, rounds: 1 } : QUEUE_DEFAULTS;
    say(`queue benchmark: LeNet-5 on ${o.trainLimit} images x 2 epochs, local vs queue, ${o.rounds} rounds; ${o.remoteRuns} synthetic remote runs`);
    emit(
      {
        bench: 'queue',
        date: new Date().toISOString(),
        node: process.version,
        cpus: os.cpus().length,
        load_avg_before: os.loadavg().map((l) => round(l, 2)),
        ...(await benchQueue(o, say)),
        load_avg_after: os.loadavg().map((l) => round(l, 2)),
      },
      args.out,
    );
    return;
  }
  if (!training && args.only.has('export-latency')) {
    // Issue 14: system.info latency over the WebSocket server while a 1M-point CSV export runs; alone, no tensor backend.
    if (args.only.size > 1) throw new Error('--only export-latency runs alone (it measures latency; other benchmarks would disturb it)');
    say(`export-latency benchmark, ${args.exportN} points`);
    emit(
      {
        bench: 'export-latency',
        date: new Date().toISOString(),
        node: process.version,
        cpus: os.cpus().length,
        load_avg_before: os.loadavg().map((l) => round(l, 2)),
        ...(await benchExportLatency({ ...EXPORT_LATENCY_DEFAULTS, points: args.exportN }, say)),
        load_avg_after: os.loadavg().map((l) => round(l, 2)),
      },
      args.out,
    );
    return;
  }
  if (!training && args.only.has('metrics')) {
    // Metrics (issue 7): SQLite inserts and the runs.metrics query; no tensor backend. With dataset too, both run.
    say(`metrics benchmark, ${METRICS_DEFAULTS.points} points`);
    const out: Record<string, unknown> = {
      bench: args.only.has('dataset') ? 'metrics+dataset' : 'metrics',
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      load_avg_before: os.loadavg().map((l) => round(l, 2)),
      ...(await benchMetrics(METRICS_DEFAULTS, say)),
      ...(args.only.has('dataset') ? await benchDataset(args.datasetN, say) : {}),
      load_avg_after: os.loadavg().map((l) => round(l, 2)),
    };
    emit(out, args.out);
    return;
  }
  if (!training) {
    // Dataset only: no tensor backend is loaded, so it does not weigh on the import's peak RSS.
    say(`dataset benchmark, ${args.datasetN} images`);
    const out: Record<string, unknown> = {
      bench: 'dataset',
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      load_avg_before: os.loadavg().map((l) => round(l, 2)),
      ...(await benchDataset(args.datasetN, say)),
      load_avg_after: os.loadavg().map((l) => round(l, 2)),
    };
    emit(out, args.out);
    return;
  }
  const choice = await selectBackend(args.backend, (m) => say(m));
  say(`backend ${choice.backend}`);
  const out: Record<string, unknown> = {
    bench: args.only.has('dataset') ? 'train-throughput+dataset' : 'train-throughput',
    date: new Date().toISOString(),
    node: process.version,
    tfjs: tf.version.tfjs,
    backend: choice.backend,
    skipped: choice.skipped,
    wasm_kernels: process.env.MLBL_WASM_KERNELS === 'missing' ? 'missing-only (baseline)' : 'all',
    wasm_threads: choice.backend === 'wasm' ? wasmInfo().threads : null,
    batch: { lenet5: 64, mlblb: 100 },
    lenet5_batch: 64,
    mlblb_batch: 100,
    quick: args.quick,
    cpus: os.cpus().length,
    load_avg_before: os.loadavg().map((l) => round(l, 2)),
  };
  if (args.only.has('gemm')) {
    say('gemm 1024^3 ...');
    out.wasm_gemm_gflops = choice.backend === 'wasm' ? benchGemm() : null;
    if (choice.backend !== 'wasm') out.wasm_gemm_note = `backend is ${choice.backend}, not wasm`;
  }
  // Ours and the peer alternate, `repeat` rounds each, and each side keeps its best round: the
  // machine is shared and its load drifts, alternating keeps both sides under the same drift.
  const peersDir = defaultPeersDir(projectRoot);
  const ratios: Record<string, number | null> = {};
  const peerOut: Record<string, unknown> = {};
  const plan = [
    {
      key: 'lenet5',
      setup: setupLeNet5,
      script: 'lenet5_torch.py',
      quickArgs: ['--n', '1024', '--epochs', '1'],
      peerKey: 'images_per_s',
      ours: 'lenet5_train_images_per_s',
      oursCpu: 'lenet5_train_images_per_cpu_s',
      peerOutKey: 'peer_lenet5_images_per_s',
    },
    {
      key: 'mlblb',
      setup: setupMlblB,
      script: 'mlbl_torch.py',
      quickArgs: ['--n', '2000'],
      peerKey: 'words_per_s',
      ours: 'mlblb_train_words_per_s',
      oursCpu: 'mlblb_train_words_per_cpu_s',
      peerOutKey: 'peer_mlblb_words_per_s',
    },
  ] as const;
  for (const b of plan) {
    if (!args.only.has(b.key)) continue;
    say(`${b.key}: setup and warm-up ...`);
    const bench = b.setup(args.quick);
    const mine: Throughput[] = [];
    const theirs: PeerResult[] = [];
    let peerBroken = false;
    for (let r = 0; r < args.repeat; r++) {
      const t = bench.timed();
      mine.push(t);
      say(`${b.key} round ${r + 1}/${args.repeat}: ours ${t.per_s}/s`);
      if (args.peers && !peerBroken) {
        const p = runPeer(peersDir, b.script, args.quick ? [...b.quickArgs] : []);
        theirs.push(p);
        say(`${b.key} round ${r + 1}/${args.repeat}: peer ${p.ok ? String(p.result[b.peerKey]) + '/s' : p.reason}`);
        peerBroken = !p.ok; // an absent peer does not appear by retrying
      }
    }
    bench.dispose();
    const bestMine = best(mine, (t) => t.per_s) as Throughput;
    out[b.ours] = bestMine.per_s;
    out[b.oursCpu] = round(Math.max(...mine.map((t) => t.per_cpu_s)));
    out[`${b.key}_detail`] = {
      best: bestMine,
      rounds: mine.map((t) => t.per_s),
      // No tensor leak: the count is the same before and after every timed round.
      tensors_flat: mine.every((t) => t.tensors_before === t.tensors_after && t.tensors_before === mine[0]?.tensors_before),
    };
    if (args.peers) {
      const ok = theirs.filter((p): p is Extract<PeerResult, { ok: true }> => p.ok);
      const bestPeer = best(ok, (p) => peerFigure(p, b.peerKey) ?? 0);
      peerOut[b.key] = bestPeer
        ? { ...bestPeer.result, rounds: ok.map((p) => peerFigure(p, b.peerKey)) }
        : { error: (theirs[0] as { reason?: string } | undefined)?.reason ?? 'not run' };
      const pf = peerFigure(bestPeer, b.peerKey);
      out[b.peerOutKey] = pf;
      ratios[b.key] = pf ? round(bestMine.per_s / pf, 3) : null;
    } else {
      out[b.peerOutKey] = null;
      ratios[b.key] = null;
    }
  }
  if (args.only.has('features')) {
    // Issue 17: MobileNetV2 features of real photos, decode and resize included, against the PyTorch peer on the same files.
    const n = args.quick ? 64 : 256;
    say(`features: ${n} photos, setup and warm-up ...`);
    const fb = await setupFeatures(projectRoot, n);
    const mine: { per_s: number; seconds: number }[] = [];
    const theirs: PeerResult[] = [];
    let peerBroken = false;
    for (let r = 0; r < args.repeat; r++) {
      const t = await fb.timed();
      mine.push(t);
      say(`features round ${r + 1}/${args.repeat}: ours ${t.per_s}/s`);
      if (args.peers && !peerBroken) {
        const p = runPeer(peersDir, 'mobilenet_features_torch.py', ['--n', String(n)]);
        theirs.push(p);
        say(`features round ${r + 1}/${args.repeat}: peer ${p.ok ? String(p.result.images_per_s) + '/s' : p.reason}`);
        peerBroken = !p.ok;
      }
    }
    fb.dispose();
    const bestMine = best(mine, (t) => t.per_s) as { per_s: number; seconds: number };
    out.features_images_per_s = bestMine.per_s;
    out.features_detail = { images: fb.images, batch: fb.batch, rounds: mine.map((t) => t.per_s), best_seconds: bestMine.seconds };
    const ok = theirs.filter((p): p is Extract<PeerResult, { ok: true }> => p.ok);
    const bestPeer = best(ok, (p) => peerFigure(p, 'images_per_s') ?? 0);
    if (args.peers)
      peerOut.features = bestPeer
        ? { ...bestPeer.result, rounds: ok.map((p) => peerFigure(p, 'images_per_s')) }
        : { error: (theirs[0] as { reason?: string } | undefined)?.reason ?? 'not run' };
    const pf = peerFigure(bestPeer, 'images_per_s');
    out.peer_features_images_per_s = pf;
    ratios.features = pf ? round(bestMine.per_s / pf, 3) : null;
  }
  if (args.only.has('caption')) {
    say('caption: checkpoint and feature file ...');
    Object.assign(out, await benchCaption(projectRoot, say, args.quick));
  }
  out.peers = args.peers ? peerOut : { skipped: '--no-peers' };
  out.ratios = ratios;
  if (args.only.has('dataset')) Object.assign(out, await benchDataset(args.datasetN, say));
  if (args.only.has('metrics')) Object.assign(out, await benchMetrics(METRICS_DEFAULTS, say));
  out.load_avg_after = os.loadavg().map((l) => round(l, 2));
  emit(out, args.out);
}

/** The one JSON object: on stdout, and in `file` when given. */
function emit(out: Record<string, unknown>, file: string | null): void {
  const json = JSON.stringify(out);
  if (file) {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileSync(file, json + '\n');
  }
  process.stdout.write(json + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`[bench] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
