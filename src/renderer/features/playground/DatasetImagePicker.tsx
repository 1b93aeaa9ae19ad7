import { formatInt } from '../../lib/format';
import { useEffect, useState } from 'react';
import type { DatasetSummary } from '../../../shared/api';
import type { Grid } from '../../../shared/convolve';
import { useApi } from '../../api/context';
import { hrefFor } from '../../app/route';
import { useApiQuery, useLoaderQuery } from '../../api/queries';
import { Field } from '../../ui/form/Field';
import './playground.css';

const SIZES = [28, 32, 64, 96, 128] as const;

export interface PickedImage {
  grid: Grid;
  /** "MNIST #12 (7)" */
  caption: string;
}

/** Decodes a thumbnail (a data URL) into grey levels in [0, 1] (0.299 R + 0.587 G + 0.114 B). */
export async function decodeGrey(dataUrl: string, width: number, height: number): Promise<Grid> {
  const img = new Image();
  img.src = dataUrl;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser cannot read canvas pixels');
  ctx.drawImage(img, 0, 0, width, height);
  const data = ctx.getImageData(0, 0, width, height).data;
  const values = new Array<number>(width * height);
  for (let i = 0; i < width * height; i++) {
    values[i] = (0.299 * (data[i * 4] as number) + 0.587 * (data[i * 4 + 1] as number) + 0.114 * (data[i * 4 + 2] as number)) / 255;
  }
  return { height, width, values };
}

function parseIndex(text: string, count: number): { value: number | null; error: string | null } {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return { value: null, error: 'Item index must be a whole number' };
  const v = Number(t);
  if (v >= count) return { value: null, error: `Item index must be between 0 and ${count - 1}` };
  return { value: v, error: null };
}

/** Picks an image of an imported dataset by position, through the datasets API (items + thumbnail), as grey levels. */
/** `onImage` should be stable (a state setter): it is called whenever the picked image changes. */
export function DatasetImagePicker({ onImage }: { onImage(img: PickedImage | null): void }) {
  const api = useApi();
  const list = useApiQuery('datasets.list', {});
  const withImages = (list.data ?? []).filter((d) => d.counts.images > 0);
  const [datasetId, setDatasetId] = useState<string>('');
  const [indexText, setIndexText] = useState('0');
  const [sizeChoice, setSizeChoice] = useState<number | null>(null);
  const ds: DatasetSummary | undefined = withImages.find((d) => d.id === datasetId) ?? withImages[0];
  const size = sizeChoice ?? (ds?.format === 'mnist' ? 28 : 64);
  const index = ds ? parseIndex(indexText, ds.counts.items) : { value: null, error: null };

  const key = ds && index.value !== null ? `pick:${ds.id}:${index.value}:${size}` : null;
  const img = useLoaderQuery(key ? [key] : null, async () => {
    const d = ds as DatasetSummary;
    const page = await api.call('datasets.items', { id: d.id, offset: index.value as number, limit: 1 });
    const item = page.items[0];
    if (!item) throw new Error(`${d.name} has no item ${index.value as number}`);
    if (!item.hasImage) throw new Error(`item ${index.value as number} of ${d.name} has no image`);
    const thumb = await api.call('datasets.thumbnail', { itemId: item.id, size });
    const grid = await decodeGrey(thumb.dataUrl, thumb.width, thumb.height);
    const label = item.className ?? (item.label !== null ? String(item.label) : null);
    const picked: PickedImage = { grid, caption: `${d.name} #${index.value as number}${label ? ` (${label})` : ''}` };
    return picked;
  });
  const current = img.fresh ? img.data : null;
  useEffect(() => {
    onImage(current);
  }, [current, onImage]);

  if (list.loading && !list.data) return <p className="muted">Loading the datasets…</p>;
  if (list.error) return <p className="error-text">Could not list the datasets: {list.error}</p>;
  if (withImages.length === 0) {
    return (
      <p className="muted" data-testid="playground-no-datasets">
        No dataset with images yet. <a href={hrefFor.importDataset()}>Import one</a> (MNIST is built in), or draw a digit.
      </p>
    );
  }
  return (
    <div className="dataset-picker">
      <Field name="dataset" label="Dataset" testId="playground-dataset" inline>
        {(c) => (
          <select {...c} value={ds?.id ?? ''} onChange={(e) => setDatasetId(e.target.value)}>
            {withImages.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} ({formatInt(d.counts.images)} images)
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field name="item" label="Item index" error={index.error ?? undefined} testId="playground-item" errorTestId="playground-item-error" inline>
        {(c) => <input {...c} type="text" inputMode="numeric" value={indexText} onChange={(e) => setIndexText(e.target.value)} />}
      </Field>
      <Field name="size" label="Size" testId="playground-size" inline>
        {(c) => (
          <select {...c} value={size} onChange={(e) => setSizeChoice(Number(e.target.value))}>
            {SIZES.map((s) => (
              <option key={s} value={s}>
                {s} px
              </option>
            ))}
          </select>
        )}
      </Field>
      {img.error && (
        <p className="error-text" role="alert">
          Could not load the image: {img.error}
        </p>
      )}
      {img.loading && <p className="muted small">Loading the image…</p>}
      <p className="muted small">The image is the dataset&apos;s thumbnail at this size (longer side), in grey levels.</p>
    </div>
  );
}
