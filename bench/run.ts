/**
 * Training-throughput benchmark (issue 3).
 *
 *   npm run bench -- [--only lenet5,mlblb,gemm] [--out FILE] [--backend auto|wasm|cpu|tensorflow]
 *                    [--no-peers] [--quick]
 *
 * Prints ONE JSON object on stdout (progress goes to stderr). Networks, sizes and protocol follow
 * ../shared/bench/peers/lenet5_torch.py and mlbl_torch.py: LeNet-5 batch 64, Adam, 4096 random
 * images, one warm-up epoch then 2 timed epochs; MLBL-B V 5000, K 100, n 5, F 4096, batch 100,
 * SGD momentum 0.9, 20000 random examples, one warm-up epoch then one timed epoch. The PyTorch
 * peers run in the same invocation (after ours, never concurrently) and ratios are ours/peer.
 */
import * as tf from '@tensorflow/tfjs';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend, isBackendName, type BackendName } from '../src/engine/backend';
import { buildLeNet5, MlblB, MLBLB_PEER_SIZES } from './models';
import { defaultPeersDir, runPeer, type PeerResult } from './peers';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Args {
  only: Set<string>;
  out: string | null;
  backend: 'auto' | BackendName;
  peers: boolean;
  quick: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { only: new Set(['lenet5', 'mlblb', 'gemm']), out: null, backend: 'auto', peers: true, quick: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = (): string => {
      const val = argv[++i];
      if (val === undefined) throw new Error(`${k} needs a value`);
      return val;
    };
    if (k === '--only') a.only = new Set(v().split(',').map((s) => s.trim()).filter(Boolean));
    else if (k === '--out') a.out = v();
    else if (k === '--backend') {
      const b = v();
      if (b !== 'auto' && !isBackendName(b)) throw new Error(`--backend ${b}: expected auto, tensorflow, wasm or cpu`);
      a.backend = b;
    } else if (k === '--no-peers') a.peers = false;
    else if (k === '--quick') a.quick = true;
    else throw new Error(`unknown argument ${k}`);
  }
  for (const o of a.only) if (!['lenet5', 'mlblb', 'gemm'].includes(o)) throw new Error(`--only: unknown benchmark ${o}`);
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

/** Runs `epochs` timed epochs after one warm-up epoch; each step is a full forward/backward/update. */
function timeEpochs(stepsPerEpoch: number, itemsPerStep: number, epochs: number, step: (i: number) => void): Throughput {
  for (let i = 0; i < stepsPerEpoch; i++) step(i);
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
}

function benchLeNet5(quick: boolean): Throughput {
  const batch = 64;
  const n = quick ? 1024 : 4096;
  const epochs = quick ? 1 : 2;
  const model = buildLeNet5(0);
  const opt = tf.train.adam(1e-3);
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
  const r = timeEpochs(n / batch, batch, epochs, step);
  tf.dispose([x, y, ...xs, ...ys]);
  opt.dispose();
  model.dispose();
  return r;
}

function benchMlblB(quick: boolean): Throughput {
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
  const r = timeEpochs(steps, batch, 1, step);
  tf.dispose([ctx, next, x, ...ctxs, ...nexts, ...xsb]);
  opt.dispose();
  model.dispose();
  return r;
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
  const choice = await selectBackend(args.backend, (m) => say(m));
  say(`backend ${choice.backend}`);
  const out: Record<string, unknown> = {
    bench: 'train-throughput',
    date: new Date().toISOString(),
    node: process.version,
    tfjs: tf.version.tfjs,
    backend: choice.backend,
    skipped: choice.skipped,
    wasm_kernels: process.env.MLBL_WASM_KERNELS === 'missing' ? 'missing-only (baseline)' : 'all',
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
  if (args.only.has('lenet5')) {
    say('lenet5 ...');
    const r = benchLeNet5(args.quick);
    out.lenet5_train_images_per_s = r.per_s;
    out.lenet5_train_images_per_cpu_s = r.per_cpu_s;
    out.lenet5_detail = r;
  }
  if (args.only.has('mlblb')) {
    say('mlblb ...');
    const r = benchMlblB(args.quick);
    out.mlblb_train_words_per_s = r.per_s;
    out.mlblb_train_words_per_cpu_s = r.per_cpu_s;
    out.mlblb_detail = r;
  }
  const peers: Record<string, PeerResult> = {};
  if (args.peers) {
    const dir = defaultPeersDir(projectRoot);
    if (args.only.has('lenet5')) {
      say('peer lenet5_torch.py ...');
      peers.lenet5 = runPeer(dir, 'lenet5_torch.py', args.quick ? ['--n', '1024', '--epochs', '1'] : []);
    }
    if (args.only.has('mlblb')) {
      say('peer mlbl_torch.py ...');
      peers.mlblb = runPeer(dir, 'mlbl_torch.py', args.quick ? ['--n', '2000'] : []);
    }
  }
  out.peers = args.peers ? Object.fromEntries(Object.entries(peers).map(([k, p]) => [k, p.ok ? p.result : { error: p.reason }])) : { skipped: '--no-peers' };
  const ratios: Record<string, number | null> = {};
  const lp = peerFigure(peers.lenet5, 'images_per_s');
  const mp = peerFigure(peers.mlblb, 'words_per_s');
  if (args.only.has('lenet5')) {
    out.peer_lenet5_images_per_s = lp;
    ratios.lenet5 = lp ? round((out.lenet5_train_images_per_s as number) / lp, 3) : null;
  }
  if (args.only.has('mlblb')) {
    out.peer_mlblb_words_per_s = mp;
    ratios.mlblb = mp ? round((out.mlblb_train_words_per_s as number) / mp, 3) : null;
  }
  out.ratios = ratios;
  out.load_avg_after = os.loadavg().map((l) => round(l, 2));
  const json = JSON.stringify(out);
  if (args.out) {
    mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
    writeFileSync(args.out, json + '\n');
  }
  process.stdout.write(json + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`[bench] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
