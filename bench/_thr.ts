import * as tf from '@tensorflow/tfjs';
import * as wasmPkg from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
const require = createRequire(import.meta.url);
const pkgDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
const glue = path.join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
const workerSrc = (require(path.join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string }).wasmWorkerContents;
const wdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbl-wasm-'));
const workerFile = path.join(wdir, 'tfjs-backend-wasm-threaded-simd.worker.cjs');
fs.writeFileSync(workerFile, workerSrc.replace(/\n/g, '\\n'));
const factory = require(glue) as (cfg: object) => Promise<any>;
const threads = Number(process.argv[2] ?? 2);
const t0 = performance.now();
const origCpus = os.cpus;
(os as { cpus: () => os.CpuInfo[] }).cpus = () => { const c = origCpus(); return Array.from({ length: threads * 2 }, (_, i) => c[i % c.length]!); };
const mod = await factory({
  locateFile: (p: string, prefix: string) => p.endsWith('.wasm') ? path.join(pkgDir, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm') : p.endsWith('.worker.js') ? workerFile : prefix + p,
  mainScriptUrlOrBlob: glue,
});
os.cpus = origCpus;
console.log('factory ms', (performance.now() - t0).toFixed(0));
mod.tfjs = {
  init: mod.cwrap('init', null, []),
  initWithThreadsCount: mod.cwrap('init_with_threads_count', null, ['number']),
  getThreadsCount: mod.cwrap('get_threads_count', 'number', []),
  registerTensor: mod.cwrap('register_tensor', null, ['number', 'number', 'number']),
  disposeData: mod.cwrap('dispose_data', null, ['number']),
  dispose: mod.cwrap('dispose', null, []),
};
wasmPkg.setThreadsCount(threads);
tf.removeBackend('wasm');
tf.registerBackend('wasm', () => new wasmPkg.BackendWasm(mod), 2);
console.log(await tf.setBackend('wasm'), tf.getBackend(), wasmPkg.getThreadsCount());
const { registerWasmKernels } = await import('../src/engine/kernels');
registerWasmKernels();
function cpuMs(f: () => void, n = 5) { f(); let best = Infinity; for (let r = 0; r < 5; r++) { const t = performance.now(); for (let i = 0; i < n; i++) f(); best = Math.min(best, (performance.now() - t) / n); } return best; }
const a = tf.randomNormal([1024, 1024]);
const ms = cpuMs(() => tf.tidy(() => { tf.matMul(a, a).dataSync(); }));
console.log('gemm wall ms', ms.toFixed(1), (2 * 1024 ** 3 / ms / 1e6).toFixed(1), 'GFLOP/s');
const x = tf.randomNormal([64, 14, 14, 6]) as tf.Tensor4D; const w = tf.randomNormal([5, 5, 6, 16]) as tf.Tensor4D;
console.log('conv wall ms', cpuMs(() => tf.tidy(() => { tf.conv2d(x, w, 1, 'valid').dataSync(); })).toFixed(2));
const s = tf.randomNormal([300000]);
console.log('sigmoid wall ms', cpuMs(() => tf.tidy(() => { tf.sigmoid(s).dataSync(); })).toFixed(2));
console.log('add wall ms', cpuMs(() => tf.tidy(() => { tf.add(s, s).dataSync(); })).toFixed(2));
console.log(tf.add(tf.tensor([1, 2]), 1).dataSync());
console.log('threads', mod.tfjs.getThreadsCount(), 'running workers', mod.PThread.runningWorkers.length, 'unused', mod.PThread.unusedWorkers.length);
const c0 = process.cpuUsage(); const t1 = performance.now();
for (let i = 0; i < 5; i++) tf.tidy(() => { tf.matMul(a, a).dataSync(); });
const c = process.cpuUsage(c0);
console.log('cpu/wall ratio', ((c.user + c.system) / 1000 / (performance.now() - t1)).toFixed(2));
process.exit(0);
