import { formatInt } from '../../lib/format';
import { useState } from 'react';
import type { DatasetSummary } from '../../../shared/api';
import type { SkippedItem } from '../../../shared/dataset-schema';
import { useApi } from '../../api/context';
import { useApiQuery } from '../../api/queries';
import { SkippedTable } from './SkippedTable';
import './datasets.css';

const PAGE = 500;

/** Everything the import skipped, with file, line and reason, a page at a time. */
export function SkippedTab({ dataset }: { dataset: DatasetSummary }) {
  const api = useApi();
  const first = useApiQuery('datasets.skipped', { id: dataset.id, offset: 0, limit: PAGE });
  const [more, setMore] = useState<SkippedItem[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const items = [...(first.data?.items ?? []), ...more];
  const total = first.data?.total ?? 0;

  const loadMore = async () => {
    setLoading(true);
    try {
      const page = await api.call('datasets.skipped', { id: dataset.id, offset: items.length, limit: PAGE });
      setMore((m) => [...m, ...page.items]);
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setLoading(false);
    }
  };

  return (
    <div className="skipped-view" data-testid="skipped-view" data-total={total}>
      {first.error && (
        <p className="error-text" role="alert">
          {first.error}
        </p>
      )}
      {first.data && total === 0 && <p className="ok">Nothing was skipped: every line and image of the source was imported.</p>}
      {total > 0 && (
        <>
          <p className="muted">
            {formatInt(total)} input{total === 1 ? ' was' : 's were'} skipped at import (showing {formatInt(items.length)}). The source was not changed; fix the
            files and import again to include them.
          </p>
          <SkippedTable items={items} testId="dataset-skipped-list" caption="Skipped inputs" />
          {items.length < total && (
            <button type="button" className="btn btn-small" onClick={() => void loadMore()} disabled={loading} data-testid="skipped-more">
              {loading ? 'Loading…' : `Show ${formatInt(Math.min(PAGE, total - items.length))} more`}
            </button>
          )}
          {error && <p className="error-text">{error}</p>}
        </>
      )}
    </div>
  );
}
