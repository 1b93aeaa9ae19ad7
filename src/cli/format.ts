import type { RunRecord } from '../shared/api';

export function progressLine(p: { epoch: number; epochs: number; step: number; stepsPerEpoch: number }): string {
  const width = 30;
  const frac = Math.min(1, p.step / Math.max(1, p.stepsPerEpoch));
  const fill = Math.round(frac * width);
  return `epoch ${p.epoch}/${p.epochs} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${p.step}/${p.stepsPerEpoch}`;
}

export function formatRunsTable(runs: RunRecord[]): string {
  if (!runs.length) return 'no runs yet';
  const rows = runs.map((r) => [
    r.id,
    r.status,
    r.preset,
    r.backend ?? '-',
    new Date(r.createdAt).toISOString().slice(0, 16).replace('T', ' '),
    r.summary.val_accuracy !== undefined ? `${(r.summary.val_accuracy * 100).toFixed(2)}%` : '-',
    r.name,
  ]);
  const head = ['id', 'status', 'preset', 'backend', 'created', 'val acc', 'name'];
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}
