/** Entry of an engine process: one run, then exit. */
import type { EngineToHost, HostToEngine } from '../shared/engine-protocol';
import { selectBackend } from './backend';
import { parentChannel } from './channel';
import { trainConvNetMnist, trainLenet5Mnist, type TrainContext } from './train/lenet5-mnist';
import type { RunSpec } from '../shared/run-spec';
import { trainLanguageModel } from './lm/train';
import { computeActivations } from './inspect/activations';

const channel = parentChannel();
let stop = false;
let started = false;

channel.onMessage((msg: HostToEngine) => {
  if (msg.type === 'stop') stop = true;
  else if ((msg.type === 'start' || msg.type === 'inspect') && !started) {
    started = true;
    (msg.type === 'start' ? run(msg) : inspect(msg)).then(
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

/** A short job (activation maps) on the cpu backend: quick to start, one forward pass. */
async function inspect(msg: Extract<HostToEngine, { type: 'inspect' }>): Promise<void> {
  await selectBackend('cpu');
  channel.send({ type: 'inspected', result: await computeActivations(msg.job) });
}

async function run(msg: Extract<HostToEngine, { type: 'start' }>): Promise<void> {
  const { spec } = msg;
  const log = (message: string): void => channel.send({ type: 'log', level: 'info', message });
  const choice = await selectBackend(spec.params.backend, log);
  channel.send({ type: 'started', backend: choice.backend, seed: spec.params.seed, skipped: choice.skipped });
  const ctx = { emit: (m: EngineToHost) => channel.send(m), stopRequested: () => stop, runDir: msg.runDir };
  const result = await train(spec, ctx);
  channel.send({ type: 'done', outcome: result.outcome, summary: result.summary });
}

function train(spec: RunSpec, ctx: TrainContext): Promise<{ outcome: 'completed' | 'stopped'; summary: Record<string, number> }> {
  switch (spec.preset) {
    case 'lenet5-mnist':
      return trainLenet5Mnist(spec.params, ctx);
    case 'convnet':
      return trainConvNetMnist(spec.params, ctx);
    case 'lbl':
    case 'mlbl-b':
    case 'mlbl-f':
      return trainLanguageModel({ ...spec.params, model: spec.preset }, ctx);
    default:
      throw new Error(`preset ${(spec as { preset: string }).preset}: this engine cannot train it`);
  }
}
