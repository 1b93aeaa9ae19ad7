import { useEffect, useRef, useState } from 'react';
import type { ClassifierPredictions } from '../../../shared/api';
import { useApi } from '../../api/context';
import { formatPercent } from '../../lib/format';
import { readImageFile } from '../../lib/image-file';
import { useFileDrop } from '../../ui/use-file-drop';
import './run-page.css';

/** The saliency map (which pixels drove the top label) drawn in red over the image, both at the model's input size. */
function SaliencyOverlay({ image, saliency }: { image: string; saliency: NonNullable<ClassifierPredictions['predictions'][number]['saliency']> }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const img = new Image();
    img.onload = () => {
      ctx.drawImage(img, 0, 0, c.width, c.height);
      const overlay = ctx.createImageData(saliency.width, saliency.height);
      saliency.values.forEach((v, i) => {
        overlay.data[i * 4] = 255;
        overlay.data[i * 4 + 3] = Math.round(v * 200);
      });
      const tmp = document.createElement('canvas');
      tmp.width = saliency.width;
      tmp.height = saliency.height;
      tmp.getContext('2d')?.putImageData(overlay, 0, 0);
      ctx.drawImage(tmp, 0, 0, c.width, c.height);
    };
    img.src = image;
  }, [image, saliency]);
  const scale = Math.max(1, Math.floor(192 / Math.max(saliency.width, saliency.height)));
  return (
    <canvas ref={ref} width={saliency.width * scale} height={saliency.height * scale} data-testid="saliency-overlay" aria-label="saliency over the image" />
  );
}

/** Drop (or choose) an image: the run's top-k labels with probabilities and a saliency overlay. */
export function PredictPanel({ runId }: { runId: string }) {
  const api = useApi();
  const [image, setImage] = useState<string | null>(null);
  const [result, setResult] = useState<ClassifierPredictions | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const predict = async (file: File | undefined) => {
    if (!file) return;
    setError(null);
    setBusy(true);
    try {
      const url = await readImageFile(file);
      setImage(url);
      const r = await api.call('runs.predict', { id: runId, images: [url], topK: 3 });
      setResult(r);
      if (r.predictions[0]?.error) setError(r.predictions[0].error);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const drop = useFileDrop((file) => void predict(file));
  const p = result?.predictions[0];
  return (
    <section className="panel-section" aria-labelledby="predict-title" data-testid="predict-panel">
      <h2 id="predict-title">Predict</h2>
      <label className={`predict-drop${drop.over ? ' predict-drop-over' : ''}`} {...drop.handlers}>
        <span className="muted small">{busy ? 'Predicting…' : 'Drop an image here, or choose one'}</span>
        <input type="file" accept="image/*" onChange={(e) => void predict(e.target.files?.[0])} data-testid="predict-input" />
      </label>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {p && !p.error && image && (
        <div className="predict-result">
          {p.saliency && <SaliencyOverlay image={image} saliency={p.saliency} />}
          <ol data-testid="predict-top">
            {p.top.map((t) => (
              <li key={t.label}>
                <strong>{t.label}</strong> {formatPercent(t.probability, 1)}
              </li>
            ))}
          </ol>
          <p className="muted small">Red: the pixels whose change moves the top label&apos;s score most (input gradient).</p>
        </div>
      )}
    </section>
  );
}
