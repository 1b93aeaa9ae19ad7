/** Entry of an engine process: one run, then exit. */
import type { EngineToHost, HostToEngine } from '../shared/engine-protocol';
import { selectBackend } from './backend';
import { parentChannel } from './channel';
import { trainLenet5Mnist, type TrainContext } from './train/lenet5-mnist';
import type { LanguageModelSpec } from '../shared/run-spec';

const channel = parentChannel();
let stop = false;
let started = false;

channel.onMessage((msg: HostToEngine) => {
  if (msg.type === 'stop') stop = true;
  else if (msg.type === 'start' && !started) {
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

async function run(msg: Extract<HostToEngine, { type: 'start' }>): Promise<void> {
  const { spec } = msg;
  const log = (message: string): void => channel.send({ type: 'log', level: 'info', message });
  const choice = await selectBackend(spec.params.backend, log);
  channel.send({ type: 'started', backend: choice.backend, seed: spec.params.seed, skipped: choice.skipped });
  const ctx = { emit: (m: EngineToHost) => channel.send(m), stopRequested: () => stop, runDir: msg.runDir };
  const result = spec.preset === 'lenet5-mnist'
    ? await trainLenet5Mnist(spec.params, ctx)
    : await trainLanguageModelRun(spec, ctx);
  channel.send({ type: 'done', outcome: result.outcome, summary: result.summary });
}

async function trainLanguageModelRun(spec: LanguageModelSpec, _ctx: TrainContext): Promise<never> {
  throw new Error(`preset ${spec.preset}: language-model training is not wired into the engine yet`);
}
