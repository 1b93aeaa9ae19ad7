/** Entry of an engine process: one run, then exit; or (for the host's short jobs) inspect requests until 'stop'. */
import type { EngineToHost, HostToEngine } from '../shared/engine-protocol';
import { selectBackend } from './backend';
import { parentChannel } from './channel';
import { trainConvNetMnist, trainLenet5Mnist, type TrainContext } from './train/lenet5-mnist';
import type { RunSpec } from '../shared/run-spec';
import { trainLanguageModel } from './lm/train';
import { trainConvNetDataset } from './train/convnet-dataset';
import { trainTransfer } from './train/transfer';
import { computeActivations } from './inspect/activations';
import { runJob } from './jobs';

const channel = parentChannel();
let stop = false;
let pause = false;
let started = false;

let inspecting: Promise<void> | null = null;
let inspectBackend: Promise<unknown> | null = null;
/** Host jobs (feature extraction, LM eval/decode/retrieval: jobs.ts), one at a time in arrival order. */
let jobs: Promise<void> | null = null;

channel.onMessage((msg: HostToEngine) => {
  if (msg.type === 'stop') {
    stop = true;
    if (inspecting || jobs) process.exit(0);
  } else if (msg.type === 'pause') {
    // Stop with a checkpoint (the trainers write one when pauseRequested()).
    pause = true;
    stop = true;
  } else if (msg.type === 'inspect' && (!started || inspecting)) {
    started = true;
    inspecting = (inspecting ?? Promise.resolve()).then(() => inspect(msg));
  } else if (msg.type === 'job' && (!started || jobs)) {
    started = true;
    jobs = (jobs ?? Promise.resolve()).then(() => runJob(msg, channel));
  } else if (msg.type === 'start' && !started) {
    started = true;
    run(msg).then(
      () => setTimeout(() => process.exit(0), 50),
      (e: unknown) => {
        const err = e instanceof Error ? e : new Error(String(e));
        channel.send({ type: 'error', message: err.message, stack: err.stack });
        setTimeout(() => process.exit(1), 50);
      },
    );
  }
});
channel.send({ type: 'ready' });

/** Short jobs (activation maps) on the cpu backend: quick to start, one forward pass each; errors go back with the request. */
async function inspect(msg: Extract<HostToEngine, { type: 'inspect' }>): Promise<void> {
  try {
    inspectBackend ??= selectBackend('cpu');
    await inspectBackend;
    channel.send({ type: 'inspected', requestId: msg.requestId, result: await computeActivations(msg.job) });
  } catch (e) {
    channel.send({ type: 'inspected', requestId: msg.requestId, error: e instanceof Error ? e.message : String(e) });
  }
}

async function run(msg: Extract<HostToEngine, { type: 'start' }>): Promise<void> {
  const { spec } = msg;
  const log = (message: string): void => channel.send({ type: 'log', level: 'info', message });
  const choice = await selectBackend(spec.params.backend, log);
  channel.send({ type: 'started', backend: choice.backend, seed: spec.params.seed, skipped: choice.skipped });
  const ctx: TrainContext = {
    emit: (m: EngineToHost) => channel.send(m),
    stopRequested: () => stop,
    pauseRequested: () => pause,
    runDir: msg.runDir,
    resumeFrom: msg.resumeFrom,
  };
  const result = await train(spec, ctx);
  channel.send({ type: 'done', outcome: result.outcome, summary: result.summary });
}

function train(spec: RunSpec, ctx: TrainContext): Promise<{ outcome: 'completed' | 'stopped'; summary: Record<string, number> }> {
  switch (spec.preset) {
    case 'lenet5-mnist':
      return trainLenet5Mnist(spec.params, ctx);
    case 'convnet':
      // The built-in MNIST straight from its idx files; an imported dataset through the host's resolved inputs.
      return spec.params.dataset === 'mnist' ? trainConvNetMnist(spec.params, ctx) : trainConvNetDataset(spec.params, ctx);
    case 'transfer':
      return trainTransfer(spec.params, ctx);
    case 'lbl':
    case 'mlbl-b':
    case 'mlbl-f':
      return trainLanguageModel({ ...spec.params, model: spec.preset }, ctx);
    default:
      throw new Error(`preset ${(spec as { preset: string }).preset}: this engine cannot train it`);
  }
}
