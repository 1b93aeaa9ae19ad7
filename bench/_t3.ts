import * as tf from '@tensorflow/tfjs';
import { selectBackend, wasmInfo } from '../src/engine/backend';
const t0 = performance.now();
const c = await selectBackend('auto', (m) => console.log('LOG', m));
console.log(c.backend, wasmInfo(), (performance.now() - t0).toFixed(0), 'ms');
console.log(tf.add(tf.tensor([1,2]), tf.tensor([3,4])).dataSync());
