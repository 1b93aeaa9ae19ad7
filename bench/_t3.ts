import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/backend';
const c = await selectBackend('auto', (m) => console.log('LOG', m));
console.log(c, tf.getBackend());
console.log(tf.add(tf.tensor([1,2]), tf.tensor([3,4])).dataSync());
