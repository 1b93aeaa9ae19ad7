import * as tf from '@tensorflow/tfjs';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
const require = createRequire(import.meta.url);
const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/';
wasm.setWasmPaths(dir);
await tf.setBackend('wasm');
for (const N of [256, 512, 1024]) {
const a = tf.randomNormal([N,N]);
const b = tf.randomNormal([N,N]);
for (let r=0;r<2;r++){
  const t=performance.now(); const n=5;
  for(let i=0;i<n;i++) { const c = tf.matMul(a,b); c.dataSync(); c.dispose(); }
  const dt=(performance.now()-t)/n/1000;
  console.log(N, (2*N**3/dt/1e9).toFixed(2),'GFLOP/s');
}}
