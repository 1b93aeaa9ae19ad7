import { formatBytes } from '../../lib/format';
import { useId, useState } from 'react';
import type { ExportFile, MethodInput, RunRecord } from '../../../shared/api';
import { LM_MODELS } from '../../../shared/lm-spec';
import { useApi } from '../../api/context';
import { useApiQuery } from '../../api/queries';
import { saveFiles } from '../../lib/native-dialogs';
import { downloadFile, fileSize } from './download';
import { CheckpointOptions } from '../../ui/CheckpointOptions';
import './run-page.css';

type ExportRequest = MethodInput<'runs.export'>;
type CaptionFormat = 'csv' | 'jsonl' | 'coco';
type Split = 'test' | 'validation' | 'train' | 'all';

const FORMAT_LABELS: Record<CaptionFormat, string> = { csv: 'CSV (image,caption)', jsonl: 'JSONL', coco: 'COCO results JSON' };

/**
 * Export buttons of the run page: captions of a split (language-model runs), metrics (CSV long
 * format or JSON) and the model (TF.js layers format). Each export is downloaded as a file.
 */
export function RunExport({ run }: { run: RunRecord }) {
  const api = useApi();
  const lm = (LM_MODELS as readonly string[]).includes(run.preset);
  const ids = useId();
  const [format, setFormat] = useState<CaptionFormat>('csv');
  const [split, setSplit] = useState<Split>('test');
  const [checkpoint, setCheckpoint] = useState('best');
  const [beam, setBeam] = useState('3');
  const [busy, setBusy] = useState<string | null>(null);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  // The checkpoint list changes when the run writes one; reload with the artefact count.
  const checkpoints = useApiQuery('runs.checkpoints', lm ? { id: run.id } : null);
  const haveCheckpoint = run.status !== 'queued';

  const go = async (label: string, req: ExportRequest) => {
    setBusy(label);
    setStatus(null);
    try {
      const { files } = await api.call('runs.export', req);
      // The app's save dialog; in a browser, downloads.
      const saved = await saveFiles(api, files, downloadFile);
      if (saved && !saved.length) setStatus({ ok: true, text: 'Not saved (cancelled)' });
      else
        setStatus({ ok: true, text: `Saved ${saved ? saved.join(', ') : files.map((f: ExportFile) => `${f.name} (${formatBytes(fileSize(f))})`).join(', ')}` });
    } catch (err) {
      setStatus({ ok: false, text: `${label} failed: ${err instanceof Error ? err.message : String(err)}` });
    } finally {
      setBusy(null);
    }
  };

  const beamNumber = Number(beam);
  const beamOk = Number.isInteger(beamNumber) && beamNumber >= 1 && beamNumber <= 20;

  return (
    <section className="panel-section run-export" aria-labelledby={`${ids}-title`} data-testid="run-export">
      <h2 id={`${ids}-title`}>Export</h2>
      {lm && (
        <div className="export-row" role="group" aria-label="Export captions">
          <span className="export-what">Captions</span>
          <label className="inline-control">
            Format
            <select
              value={format}
              onChange={(e) => setFormat(e.target.value as CaptionFormat)}
              data-testid="export-caption-format"
              aria-label="Caption export format"
            >
              {(Object.keys(FORMAT_LABELS) as CaptionFormat[]).map((f) => (
                <option key={f} value={f}>
                  {FORMAT_LABELS[f]}
                </option>
              ))}
            </select>
          </label>
          <label className="inline-control">
            Split
            <select value={split} onChange={(e) => setSplit(e.target.value as Split)} data-testid="export-caption-split" aria-label="Caption export split">
              <option value="test">test</option>
              <option value="validation">validation</option>
              <option value="train">train</option>
              <option value="all">all</option>
            </select>
          </label>
          <label className="inline-control">
            Checkpoint
            <select value={checkpoint} onChange={(e) => setCheckpoint(e.target.value)} data-testid="export-checkpoint" aria-label="Checkpoint to export from">
              <CheckpointOptions checkpoints={checkpoints.data} />
            </select>
          </label>
          <label className="inline-control">
            Beam
            <input
              type="number"
              min={1}
              max={20}
              step={1}
              value={beam}
              onChange={(e) => setBeam(e.target.value)}
              className="input-narrow"
              aria-label="Beam width for exported captions"
              aria-invalid={!beamOk}
              data-testid="export-beam"
            />
          </label>
          <button
            type="button"
            className="btn"
            disabled={busy !== null || !beamOk || !haveCheckpoint}
            data-testid="export-captions"
            onClick={() => void go('Caption export', { what: 'captions', id: run.id, format, split, checkpoint, beam: beamNumber })}
          >
            {busy === 'Caption export' ? 'Decoding…' : 'Export captions'}
          </button>
          {!beamOk && <span className="field-error">Beam: a whole number from 1 to 20</span>}
        </div>
      )}
      <div className="export-row" role="group" aria-label="Export metrics and model">
        <span className="export-what">Metrics</span>
        <button
          type="button"
          className="btn"
          disabled={busy !== null}
          data-testid="export-metrics-csv"
          onClick={() => void go('Metrics export', { what: 'metrics', id: run.id, format: 'csv' })}
        >
          CSV (long format)
        </button>
        <button
          type="button"
          className="btn"
          disabled={busy !== null}
          data-testid="export-metrics-json"
          onClick={() => void go('Metrics export', { what: 'metrics', id: run.id, format: 'json' })}
        >
          JSON
        </button>
        <span className="export-what">Model</span>
        <button
          type="button"
          className="btn"
          disabled={busy !== null || !haveCheckpoint}
          data-testid="export-model"
          onClick={() => void go('Model export', { what: 'model', id: run.id, checkpoint: lm ? checkpoint : 'best', archive: 'zip' })}
        >
          {busy === 'Model export' ? 'Exporting…' : 'TF.js layers model (.zip)'}
        </button>
      </div>
      {lm && (
        <p className="muted small">
          Captions are decoded with beam search from the chosen checkpoint, one per image of the split. The model export is one zip named after the run: a TF.js
          layers model (model.json, weights.bin) with the vocabulary beside it.
        </p>
      )}
      {status && (
        <p className={status.ok ? 'muted small' : 'error-text'} role={status.ok ? 'status' : 'alert'} data-testid="export-status" data-ok={status.ok}>
          {status.text}
        </p>
      )}
    </section>
  );
}
