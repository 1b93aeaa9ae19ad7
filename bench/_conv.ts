import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/backend';
await selectBackend('wasm');
function cpuMs(f: () => void, n = 10): number {
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
const run = (label: string, f: () => unknown) => {
  const ms = cpuMs(() => { tf.tidy(() => { f(); }); });
  console.log(label.padEnd(50), ms.toFixed(3), 'ms');
  return ms;
};
const K = (name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>) => tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
for (const [B,H,C,O,pad] of [[64,28,1,6,'same'],[64,14,6,16,'valid']] as const) {
  const x = tf.randomNormal([B,H,H,C]) as tf.Tensor4D;
  const w = tf.randomNormal([5,5,C,O]) as tf.Tensor4D;
  const y = tf.conv2d(x, w, 1, pad);
  const dy = tf.randomNormal(y.shape) as tf.Tensor4D;
  console.log('--', B,H,C,O,pad);
  run('fwd conv (fresh filter)', () => tf.conv2d(x, tf.add(w, 0), 1, pad));
  const a0 = run('add0 dy', () => tf.add(dy, 0));
  run('dW kernel (fresh dy)', () => K('Conv2DBackpropFilter', { x, dy: tf.add(dy, 0) }, { strides: 1, pad, dataFormat: 'NHWC', filterShape: [5,5,C,O] }));
  run('dX kernel (fresh dy)', () => K('Conv2DBackpropInput', { dy: tf.add(dy, 0), filter: tf.add(w, 0) }, { strides: 1, pad, dataFormat: 'NHWC', inputShape: [B,H,H,C] }));
  run(' transpose dy', () => tf.transpose(dy, [1,2,0,3]));
  run(' transpose x', () => tf.transpose(x, [3,1,2,0]));
  const p = pad === 'same' ? 2 : 0;
  const xt = tf.transpose(x, [3,1,2,0]) as tf.Tensor4D;
  const dyf = tf.transpose(dy, [1,2,0,3]) as tf.Tensor4D;
  run(' the conv (cached filter)', () => tf.conv2d(xt, dyf, 1, [[0,0],[p,p],[p,p],[0,0]]));
  run(' the conv (fresh filter)', () => tf.conv2d(xt, tf.add(dyf, 0), 1, [[0,0],[p,p],[p,p],[0,0]]));
  console.log(' (subtract add0', a0.toFixed(3), ')');
}
{
  console.log('-- dissect conv1 dW');
  const x = tf.randomNormal([64,28,28,1]) as tf.Tensor4D;
  const dy = tf.randomNormal([64,28,28,6]) as tf.Tensor4D;
  run('A: transpose dy (fresh)', () => tf.transpose(tf.add(dy, 0), [1,2,0,3]));
  run('B: A + conv', () => { const f = tf.transpose(tf.add(dy, 0), [1,2,0,3]) as tf.Tensor4D; const xt = tf.transpose(x, [3,1,2,0]) as tf.Tensor4D; return tf.conv2d(xt, f, 1, [[0,0],[2,2],[2,2],[0,0]]); });
  run('C: B + out transpose', () => { const f = tf.transpose(tf.add(dy, 0), [1,2,0,3]) as tf.Tensor4D; const xt = tf.transpose(x, [3,1,2,0]) as tf.Tensor4D; return tf.transpose(tf.conv2d(xt, f, 1, [[0,0],[2,2],[2,2],[0,0]], 'NHWC', [1,1]), [1,2,0,3]); });
  run('D: kernel', () => K('Conv2DBackpropFilter', { x, dy: tf.add(dy, 0) }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [5,5,1,6] }));
  run('E: tf.conv2d fwd + grad', () => tf.grad((w: tf.Tensor) => tf.conv2d(x, w as tf.Tensor4D, 1, 'same'))(tf.randomNormal([5,5,1,6]), tf.add(dy, 0)));
}
