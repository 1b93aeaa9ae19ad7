/** `mlbl export captions|metrics|model RUN_ID`: the exports of the run page, from the command line (runs.export). */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ExportFile, MethodInput } from '../shared/api';
import { resolveDataDir } from '../main/data-dir';
import { createHost } from '../main/host';

export const EXPORT_USAGE = `  mlbl export captions RUN_ID [--format csv|jsonl|coco] [--split test|validation|train|all]
        [--checkpoint best|last|ID] [--beam 3] [--out FILE|DIR] [--data-dir DIR]
      beam-search captions of every image of a split of a language-model run: CSV image,caption,
      JSONL {"image","caption"} or COCO results [{"image_id","caption"}]; stdout without --out
  mlbl export metrics RUN_ID [--format csv|json] [--keys k1,k2] [--out FILE|DIR]
      every stored point: CSV long format run_id,key,step,epoch,wall_time,value, or JSON
  mlbl export model RUN_ID [--checkpoint best|last|ID] [--out DIR]
      the model in the TF.js layers format (model.json, weights.bin; language models also
      vocabulary.json) into DIR (default ./RUN_ID-model)`;

const WHAT = ['captions', 'metrics', 'model'] as const;
type What = (typeof WHAT)[number];

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`--${flag} ${value}: expected one of ${allowed.join(', ')}`);
  return value as T;
}

function body(f: ExportFile): Buffer | string {
  return f.encoding === 'base64' ? Buffer.from(f.content, 'base64') : f.content;
}

/** Where each file goes: a directory (existing, ending in /, or several files) gets the files by name; else the one file path. */
export function targets(files: readonly ExportFile[], out: string | undefined, fallbackDir: string): string[] {
  const dirLike =
    out === undefined || out.endsWith('/') || out.endsWith(path.sep) || files.length > 1 || (fs.existsSync(out) && fs.statSync(out).isDirectory());
  if (!dirLike) return [path.resolve(out as string)];
  const dir = path.resolve(out ?? fallbackDir);
  return files.map((f) => {
    const p = path.resolve(dir, f.name);
    if (!p.startsWith(dir + path.sep)) throw new Error(`export file name ${f.name} leaves ${dir}`);
    return p;
  });
}

export async function cmdExport(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      split: { type: 'string' },
      checkpoint: { type: 'string', default: 'best' },
      beam: { type: 'string', default: '3' },
      keys: { type: 'string' },
      out: { type: 'string' },
      'data-dir': { type: 'string' },
    },
  });
  const [whatArg, runId, ...extra] = positionals;
  if (!whatArg || !(WHAT as readonly string[]).includes(whatArg))
    throw new Error(`expected what to export: ${WHAT.join(', ')} (got ${whatArg ?? 'nothing'})\n${EXPORT_USAGE}`);
  if (!runId) throw new Error(`export ${whatArg}: RUN_ID is required`);
  if (extra.length) throw new Error(`export ${whatArg}: unexpected ${extra.join(' ')}`);
  const what = whatArg as What;
  const beam = Number(values.beam);
  if (!Number.isInteger(beam) || beam < 1 || beam > 20) throw new Error(`--beam ${values.beam}: expected a whole number from 1 to 20`);
  let input: MethodInput<'runs.export'>;
  if (what === 'captions') {
    input = {
      what,
      id: runId,
      format: oneOf('format', values.format, ['csv', 'jsonl', 'coco'] as const, 'csv'),
      split: oneOf('split', values.split, ['test', 'validation', 'train', 'all'] as const, 'test'),
      checkpoint: values.checkpoint,
      beam,
    };
  } else if (what === 'metrics') {
    const keys = values.keys
      ?.split(',')
      .map((k) => k.trim())
      .filter(Boolean);
    input = { what, id: runId, format: oneOf('format', values.format, ['csv', 'json'] as const, 'csv'), ...(keys?.length ? { keys } : {}) };
  } else {
    if (values.format !== undefined && values.format !== 'tfjs')
      throw new Error(`--format ${values.format}: models export in the TF.js layers format only (tfjs)`);
    input = { what, id: runId, checkpoint: values.checkpoint };
  }

  const host = createHost({ dataDir: resolveDataDir(values['data-dir']), transport: 'websocket', concurrency: 0 });
  let files: ExportFile[];
  try {
    files = ((await host.dispatch('runs.export', input)) as { files: ExportFile[] }).files;
  } finally {
    await host.close();
  }
  if (what !== 'model' && values.out === undefined) {
    for (const f of files) process.stdout.write(body(f));
    return 0;
  }
  const paths = targets(files, values.out, `${runId}-model`);
  files.forEach((f, i) => {
    const p = paths[i] as string;
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, body(f));
    process.stderr.write(`wrote ${p} (${Buffer.byteLength(body(f))} bytes)\n`);
  });
  return 0;
}
