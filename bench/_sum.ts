import * as tf from '@tensorflow/tfjs';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import path from 'node:path';
import { createRequire } from 'node:module';
const req = createRequire(import.meta.url);
wasm.setWasmPaths(path.join(path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
await tf.setBackend('wasm');
function cpuMs(f: () => void, n = 20): number {
  f(); f();
  let best = Infinity;
  for (let r = 0; r < 7; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) f();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000 / n);
  }
  return best;
}
const shapes = [[64, 28, 28, 6], [64, 10, 10, 16], [100, 5000]];
const res: Record<string, number> = {};
for (const s of shapes) { const x = tf.randomNormal(s); const ax = s.length === 4 ? [0, 1, 2] : [0]; res['orig ' + s] = cpuMs(() => tf.tidy(() => { tf.sum(x, ax); })); }
const { registerWasmKernels } = await import('../src/engine/kernels');
registerWasmKernels();
for (const s of shapes) { const x = tf.randomNormal(s); const ax = s.length === 4 ? [0, 1, 2] : [0]; res['ours ' + s] = cpuMs(() => tf.tidy(() => { tf.sum(x, ax); })); }
console.log(res);
