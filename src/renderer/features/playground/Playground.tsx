import { Conv1dStepper } from './Conv1dStepper';
import { Conv2dPlayground } from './Conv2dPlayground';
import { VolumePlayground } from './VolumePlayground';
import './playground.css';

/** `#/playground`: convolution by hand, in 2-D on an image and in 1-D on a row of numbers. */
export function Playground() {
  return (
    <section className="panel playground" aria-labelledby="playground-title" data-testid="playground-page">
      <h1 id="playground-title">Convolution playground</h1>
      <p className="muted">
        A kernel slides over the input with a stride; each output is the sum of the values under it times its weights. Zero padding adds a border of zeros
        first. Output sizes come from the same shape inspector as the new-run form: <code>floor((W − K + 2P) / S) + 1</code> per side.
      </p>
      <Conv2dPlayground />
      <VolumePlayground />
      <Conv1dStepper />
    </section>
  );
}
