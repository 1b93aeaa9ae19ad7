import { formatInt } from '../../lib/format';
import type { SkipReason, SkippedItem } from '../../../shared/dataset-schema';
import { REASON_LABELS } from './dataset-format';
import './datasets.css';

/** Skipped inputs: where (file:line) and why. */
export function SkippedTable({ items, testId = 'skipped-list', caption }: { items: readonly SkippedItem[]; testId?: string; caption?: string }) {
  if (items.length === 0) return null;
  // By file, then line (the import finds problems in several passes, not in file order).
  const sorted = [...items].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? Infinity) - (b.line ?? Infinity)));
  return (
    <div className="table-wrap skipped-wrap">
      <table className="runs-table skipped-table" data-testid={testId} data-count={items.length}>
        {caption && <caption className="sr-only">{caption}</caption>}
        <thead>
          <tr>
            <th scope="col">Where</th>
            <th scope="col">Reason</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((s, i) => (
            <tr key={`${s.file}:${s.line ?? ''}:${i}`} data-testid="skipped-row" data-file={s.file} data-line={s.line ?? ''} data-reason={s.reason}>
              <td className="mono" data-testid="skipped-where">
                {s.file}
                {s.line !== null && <span className="line-no">:{s.line}</span>}
              </td>
              <td>
                <span className={`reason reason-${s.reason}`}>{REASON_LABELS[s.reason] ?? s.reason}</span>
              </td>
              <td className="wrap">{s.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Counts of skipped inputs per reason. */
export function SkipReasons({ byReason, testId = 'skips-by-reason' }: { byReason: Partial<Record<SkipReason, number>>; testId?: string }) {
  const entries = (Object.entries(byReason) as [SkipReason, number][]).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  if (!entries.length)
    return (
      <p className="ok" data-testid={testId} data-total={0}>
        Nothing was skipped.
      </p>
    );
  return (
    <ul className="reason-list" data-testid={testId} data-total={entries.reduce((a, [, n]) => a + n, 0)}>
      {entries.map(([r, n]) => (
        <li key={r} data-reason={r} data-count={n}>
          <span className={`reason reason-${r}`}>{REASON_LABELS[r] ?? r}</span> <strong>{formatInt(n)}</strong>
        </li>
      ))}
    </ul>
  );
}
