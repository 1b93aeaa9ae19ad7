/**
 * One cold caption (bench/caption.ts runs this in a fresh process): backend selected as an engine
 * does at start, then one beam-3 caption of a new image with nothing loaded. Prints one JSON line
 * whose `since_process_start_ms` counts from the process's start (module loading included).
 *
 *   node --import tsx bench/caption-cold.ts CHECKPOINT_DIR IMAGE
 */
import { selectBackend } from '../src/engine/backend';
import { runDecodeJob } from '../src/engine/lm/serve';

const [checkpointDir, image] = process.argv.slice(2);
if (!checkpointDir || !image) throw new Error('usage: caption-cold.ts CHECKPOINT_DIR IMAGE');
const loaded = performance.now();
const choice = await selectBackend('auto');
const ready = performance.now();
const r = await runDecodeJob({
  kind: 'lm-decode',
  checkpointDir,
  images: [{ file: image }],
  method: 'beam',
  beam: 3,
  temperature: 1,
  topK: 0,
  maxLength: 20,
  seed: 1,
});
const done = performance.now();
if (!r.captions[0]?.text) throw new Error('no caption');
const ms = (x: number): number => Math.round(x * 10) / 10;
process.stdout.write(
  JSON.stringify({
    backend: choice.backend,
    modules_loaded_ms: ms(loaded),
    backend_ready_ms: ms(ready),
    caption_call_ms: ms(done - ready),
    since_process_start_ms: ms(done),
  }) + '\n',
);
