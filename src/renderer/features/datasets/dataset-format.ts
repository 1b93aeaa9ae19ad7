/** Words and small computations for the dataset pages (pure; unit-tested). */
import type {
  DatasetCounts,
  DatasetFormat,
  DatasetKind,
  ImportPhase,
  ImportPreview,
  ImportProgress,
  SkipReason,
  SplitName,
} from '../../../shared/dataset-schema';
import { tokenize } from '../../../shared/tokenize';
import { formatInt } from '../../lib/format';

export const KIND_LABELS: Record<DatasetKind, string> = {
  classification: 'images + labels',
  captions: 'images + captions',
  text: 'text only',
};

export const FORMAT_LABELS: Record<DatasetFormat, string> = {
  folders: 'class folders',
  flickr8k: 'Flickr8k',
  coco: 'COCO captions',
  csv: 'CSV',
  jsonl: 'JSON lines',
  mnist: 'MNIST idx',
};

export const REASON_LABELS: Record<SkipReason, string> = {
  missing_image: 'missing image',
  undecodable_image: 'undecodable image',
  empty_caption: 'empty caption',
  unknown_image: 'caption for an unknown image',
  malformed_line: 'malformed line',
  wrong_column_count: 'wrong column count',
  missing_field: 'missing field',
  duplicate_item: 'duplicate item',
  unsupported_file: 'unsupported file',
};

export const SPLIT_LABELS: Record<SplitName, string> = { train: 'train', validation: 'validation', test: 'test' };

export const PHASE_LABELS: Record<ImportPhase, string> = {
  scan: 'Reading the source',
  images: 'Checking images',
  write: 'Writing the dataset',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** `640 / 80 / 80` (train / validation / test). */
export function splitSummary(counts: DatasetCounts): string {
  return `${formatInt(counts.splits.train)} / ${formatInt(counts.splits.validation)} / ${formatInt(counts.splits.test)}`;
}

/** What a preview says about the size of the source: images found and captions (or labelled rows) to read. */
export function previewEstimate(p: ImportPreview): {
  images: number | null;
  records: number | null;
  recordWord: 'captions' | 'rows' | 'images';
  classes: number;
} {
  const d = p.detected;
  const classes = p.estimate.classes.length;
  if (d.format === 'folders' || d.format === 'mnist') return { images: p.estimate.images, records: null, recordWord: 'images', classes };
  let records = p.estimate.lines;
  // CSV files (also the Flickr8k CSV layout) start with a header line.
  const headerLine = p.availableColumns.length > 0 && /\.(csv|tsv)$/i.test(d.file);
  if (records !== null && headerLine) records = Math.max(0, records - 1);
  const recordWord = d.kind === 'classification' ? 'rows' : 'captions';
  return { images: d.kind === 'text' ? null : p.estimate.images, records, recordWord, classes };
}

/** Percent 0..100 of an import, or null while unknown (indeterminate bar). Phases weigh 15 / 75 / 10. */
export function progressPercent(p: ImportProgress | null): number | null {
  if (!p) return null;
  if (p.phase === 'done') return 100;
  const frac = p.total && p.total > 0 ? Math.min(1, p.done / p.total) : null;
  if (p.phase === 'scan') return frac === null ? null : frac * 15;
  if (p.phase === 'images') return 15 + (frac ?? 0) * 75;
  if (p.phase === 'write') return 90 + (frac ?? 0) * 10;
  return null;
}

/** A search as the server reads it: words tokenized like the captions; `dog*` matches by prefix. */
export interface SearchTerm {
  token: string;
  prefix: boolean;
}

export function searchTerms(search: string | undefined): SearchTerm[] {
  const out: SearchTerm[] = [];
  for (const raw of (search ?? '').trim().split(/\s+/)) {
    if (!raw) continue;
    const prefix = raw.endsWith('*');
    const toks = tokenize(prefix ? raw.slice(0, -1) : raw);
    toks.forEach((t, i) => out.push({ token: t, prefix: prefix && i === toks.length - 1 }));
  }
  return out;
}

/** True when every term occurs among the caption's tokens (the server's rule: all words in one caption). */
export function captionMatches(caption: string, terms: readonly SearchTerm[]): boolean {
  if (!terms.length) return true;
  const toks = tokenize(caption);
  return terms.every((t) => toks.some((w) => (t.prefix ? w.startsWith(t.token) : w === t.token)));
}

/** Splits a caption into runs of text, marking the words that match a term (for <mark>). */
export function highlight(caption: string, terms: readonly SearchTerm[]): { text: string; hit: boolean }[] {
  if (!terms.length) return [{ text: caption, hit: false }];
  const out: { text: string; hit: boolean }[] = [];
  const re = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}]+)*/gu;
  let last = 0;
  for (const m of caption.matchAll(re)) {
    const word = m[0].toLowerCase();
    const hit = terms.some((t) => (t.prefix ? word.startsWith(t.token) : word === t.token || tokenize(m[0])[0] === t.token));
    if (!hit) continue;
    const at = m.index ?? 0;
    if (at > last) out.push({ text: caption.slice(last, at), hit: false });
    out.push({ text: m[0], hit: true });
    last = at + m[0].length;
  }
  if (last < caption.length) out.push({ text: caption.slice(last), hit: false });
  return out;
}

/**
 * The part of a caption a two-line tile can show with its first matching word in it: when the
 * match sits further in than `lead` characters, the caption starts a few words before it, after
 * an ellipsis (a clamped tile would otherwise hide exactly the words searched for).
 */
export function matchSnippet(caption: string, terms: readonly SearchTerm[], lead = 24): string {
  const runs = highlight(caption, terms);
  const first = runs.findIndex((r) => r.hit);
  if (first < 0) return caption;
  const at = runs.slice(0, first).reduce((n, r) => n + r.text.length, 0);
  if (at <= lead) return caption;
  const from = caption.lastIndexOf(' ', at - lead);
  return `…${caption.slice(from < 0 ? at - lead : from + 1)}`;
}

/** Column names listed in a preview error ("... (columns: a, b, c); choose one"), for the pickers. */
export function columnsFromError(message: string | null): string[] {
  const m = message ? /\(columns: ([^)]*)\)/.exec(message) : null;
  return m?.[1]
    ? m[1]
        .split(', ')
        .map((c) => c.trim())
        .filter(Boolean)
    : [];
}

/** A new client-side import id (the progress events carry it). */
export function newImportId(): string {
  return `ui-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
