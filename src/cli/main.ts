import { parseArgs } from 'node:util';
import type { RunRecord, SystemInfo } from '../shared/api';
import { PRESETS, applyOverrides, type PresetName } from '../shared/run-spec';
import { resolveDataDir } from '../main/data-dir';
import { createHost, openReadOnlyHost } from '../main/host';
import { formatRunsTable, progressLine } from './format';
import { DATASETS_USAGE, cmdDatasets, cmdImport } from './datasets-commands';
import { RESUME_USAGE, cmdResume } from './resume-command';
import { LM_USAGE, cmdCaption, cmdEval, cmdFeatures } from './lm-commands';
import { EXPORT_USAGE, cmdExport } from './export-commands';
import { cmdServe } from './serve-command';
import { SWEEP_USAGE, cmdSweep } from './sweep-command';
import { WORKER_USAGE, cmdWorker } from './worker-command';
import { CLASSIFIER_USAGE, cmdInspect, cmdPredict } from './classifier-commands';

const USAGE = `mlbl: MLBL Workbench from the command line

  mlbl serve [--host 127.0.0.1] [--port N] [--data-dir DIR] [--queue redis://HOST:PORT]
      serve the workbench UI and API; prints http://HOST:PORT/?token=...
  mlbl train --preset lenet5-mnist [--set key=value ...] [--data-dir DIR] [--json]
      train in the foreground (keys: name, epochs, batchSize, learningRate, optimizer,
      trainLimit, validationLimit, seed, backend)
      ConvNet presets (lenet5-mnist; convnet, which adds stack=lenet5|JSON) also take: momentum,
      lrSchedule=none|step|cosine, lrStepEpochs, lrGamma, lrMin, weightDecay, augmentShift,
      augmentFlip, validationSplit, patience, monitor=val_loss|val_accuracy, checkpointEvery,
      resumeFrom=RUN_ID|DIR, testLimit
  mlbl train --preset convnet --set dataset=ID [--set input=64x64x3] [--set stack=lenet5|alexnetSmall|photoSmall|JSON] [--set key=value ...]
      a ConvNet on an imported classification dataset (class folders, image,label CSV/JSONL, MNIST)
      and its own split; resize=stretch|crop|pad, normalize=true|false (per channel, from the
      training split), augmentCrop, augmentBrightness, augmentContrast; the last dense layer is
      sized to the dataset's classes; decoded images are cached per dataset and input shape
  mlbl train --preset lbl|mlbl-b|mlbl-f --set captions=CSV [--set features=FILE] [--set key=value ...]
      language models of Kiros et al. 2014 on an image,caption CSV (keys: contextSize, K, h,
      factors, minCount, optimizer=sgd|adam, lr, epochs, batchSize, patience, seed, trainLimit, ...)
      transfer: init=RUN_ID|DIR (word vectors, context matrices, biases mapped by word);
      excludeImagesOf=CSV; recipe: sgdGradient=sum|mean, lrDecay, dropout, featureNorm, retrain
  mlbl train --preset lbl|mlbl-b|mlbl-f --set dataset=ID [--set extractor=PATH|RUN_ID] [--set key=value ...]
      the same on an imported dataset and its own train/validation/test split; MLBL-B/F features
      come from extractor= (a TF.js model.json or a ConvNet run; extractorLayer=NAME), extracted
      once per (model, layer, dataset) and cached
${RESUME_USAGE}
${SWEEP_USAGE}
${WORKER_USAGE}
  mlbl runs [--json] [--data-dir DIR]      list runs
  mlbl info [--json] [--data-dir DIR]      versions, data directory, compute backends
${DATASETS_USAGE}
${LM_USAGE}
${CLASSIFIER_USAGE}
${EXPORT_USAGE}

The data directory defaults to MLBL_DATA_DIR, else the app's userData folder.`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'serve':
        return await cmdServe(rest);
      case 'train':
        return await cmdTrain(rest);
      case 'resume':
        return await cmdResume(rest);
      case 'sweep':
        return await cmdSweep(rest);
      case 'worker':
        return await cmdWorker(rest);
      case 'runs':
        return await cmdRuns(rest);
      case 'info':
        return await cmdInfo(rest);
      case 'import':
        return await cmdImport(rest);
      case 'datasets':
        return await cmdDatasets(rest);
      case 'features':
        return await cmdFeatures(rest);
      case 'eval':
        return await cmdEval(rest);
      case 'caption':
        return await cmdCaption(rest);
      case 'predict':
        return await cmdPredict(rest);
      case 'inspect':
        return cmdInspect(rest);
      case 'export':
        return await cmdExport(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE + '\n');
        return cmd === undefined ? 2 : 0;
      default:
        process.stderr.write(`mlbl: unknown command ${cmd}\n\n${USAGE}\n`);
        return 2;
    }
  } catch (e) {
    process.stderr.write(`mlbl ${cmd}: ${(e as Error).message}\n`);
    return 1;
  }
}

async function cmdTrain(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      preset: { type: 'string' },
      set: { type: 'string', multiple: true, default: [] },
      'data-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.preset) throw new Error(`--preset is required (one of ${PRESETS.join(', ')})`);
  if (!(PRESETS as readonly string[]).includes(values.preset)) throw new Error(`--preset ${values.preset}: unknown preset (one of ${PRESETS.join(', ')})`);
  const spec = applyOverrides(values.preset as PresetName, values.set);
  const json = values.json;
  const tty = !json && process.stderr.isTTY;
  const host = createHost({ dataDir: resolveDataDir(values['data-dir']), transport: 'websocket' });
  const out = (o: unknown): void => {
    process.stdout.write(JSON.stringify(o) + '\n');
  };
  host.subscribe((event, payload) => {
    if (json) {
      if (event === 'run.metrics') out({ event, points: (payload as { points: unknown[] }).points });
      else if (event === 'run.log') out({ event, ...(payload as object) });
    } else if (event === 'run.log') {
      const l = payload as { level: string; message: string };
      if (tty) process.stderr.write('\r\x1b[K');
      process.stderr.write(`${l.level === 'info' ? '' : l.level + ': '}${l.message}\n`);
    }
  });
  if (tty) host.runs.onProgress((_id, p) => process.stderr.write('\r\x1b[K' + progressLine(p)));
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\nstopping (Ctrl-C again to abort)\n');
    void host.dispatch('runs.stop', { id: run.id }).catch((e: Error) => process.stderr.write(`mlbl train: ${e.message}\n`));
  };
  process.on('SIGINT', onSigint);
  let run: RunRecord;
  try {
    run = (await host.dispatch('runs.create', { spec })) as RunRecord;
  } catch (e) {
    process.off('SIGINT', onSigint);
    await host.close();
    throw e;
  }
  if (json) out({ event: 'run.created', run });
  else process.stderr.write(`run ${run.id} (${run.name}) in ${host.dataDir}\n`);
  const final = await host.runs.waitFor(run.id);
  process.off('SIGINT', onSigint);
  await host.close();
  if (tty) process.stderr.write('\r\x1b[K');
  if (json) out({ event: 'run.finished', id: final.id, status: final.status, backend: final.backend, error: final.error, metrics: final.summary });
  else
    process.stdout.write(
      `${final.status}: ${Object.entries(final.summary)
        .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`)
        .join(', ')}${final.error ? `\nerror: ${final.error}` : ''}\n`,
    );
  if (final.status !== 'completed') {
    if (json) process.stderr.write(`mlbl train: run ${final.id} ${final.status}${final.error ? `: ${final.error}` : ''}\n`);
    return 1;
  }
  return 0;
}

async function cmdRuns(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { 'data-dir': { type: 'string' }, json: { type: 'boolean', default: false } } });
  // Read-only: never registers a host nor adopts or interrupts the runs of a process training here.
  const host = openReadOnlyHost({ dataDir: resolveDataDir(values['data-dir']), transport: 'websocket' });
  let runs: RunRecord[];
  try {
    runs = (await host.dispatch('runs.list', { limit: 10_000 })) as RunRecord[];
  } finally {
    host.close();
  }
  process.stdout.write(values.json ? JSON.stringify(runs) + '\n' : formatRunsTable(runs) + '\n');
  return 0;
}

async function cmdInfo(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { 'data-dir': { type: 'string' }, json: { type: 'boolean', default: false } } });
  const host = openReadOnlyHost({ dataDir: resolveDataDir(values['data-dir']), transport: 'websocket' });
  let info: SystemInfo;
  try {
    info = (await host.dispatch('system.info', {})) as SystemInfo;
  } finally {
    host.close();
  }
  if (values.json) process.stdout.write(JSON.stringify(info) + '\n');
  else {
    const i = info;
    process.stdout.write(
      `data directory: ${i.dataDir}\nversions: ${Object.entries(i.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}\ndefault backend: ${i.defaultBackend}\n`,
    );
    for (const b of i.backends) process.stdout.write(`  ${b.available ? '✓' : '✗'} ${b.name}${b.reason ? ` (${b.reason})` : ''}\n`);
  }
  return 0;
}
