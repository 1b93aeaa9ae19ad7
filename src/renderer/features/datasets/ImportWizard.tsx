import { useEffect, useRef, useState } from 'react';
import { FormProvider, useForm, useWatch } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import type { ImportPreview, ImportProgress, ImportReport, ImportSource, SkippedItem } from '../../../shared/dataset-schema';
import { Field } from '../../ui/form/Field';
import { ChoiceField, TextField } from '../../ui/form/inputs';
import { useApi } from '../../api/context';
import { FORMAT_LABELS, KIND_LABELS, PHASE_LABELS, columnsFromError, newImportId, previewEstimate, progressPercent } from './dataset-format';
import { formatDuration, formatImageSize, formatInt, plural } from '../../lib/format';
import { BUILTIN_MNIST_PATH, FORMAT_CHOICES, defaultImportFields, importOptionsOf, importSourceSchema, sourceKey, type ImportFields } from './import-schema';
import { hrefFor } from '../../app/route';
import { BrowseButton } from '../../ui/BrowseButton';
import { SkipReasons, SkippedTable } from './SkippedTable';
import './datasets.css';

type Step = 'source' | 'preview' | 'import' | 'summary';
const STEPS: { step: Step; label: string }[] = [
  { step: 'source', label: 'Source' },
  { step: 'preview', label: 'Preview' },
  { step: 'import', label: 'Import' },
  { step: 'summary', label: 'Summary' },
];

const sourceResolver = zodResolver(importSourceSchema);

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export function ImportWizard() {
  const api = useApi();
  const form = useForm<ImportFields, unknown, ImportSource>({ defaultValues: defaultImportFields(), resolver: sourceResolver });
  // Every value, re-rendering on each change: what is shown and the live checks depend on them.
  const fields = useWatch({ control: form.control }) as ImportFields;
  const errors = form.formState.errors;
  const [preview, setPreview] = useState<{ key: string; data: ImportPreview } | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const [allowDuplicate, setAllowDuplicate] = useState(false);
  const [importing, setImporting] = useState<{ importId: string; cancelling: boolean } | null>(null);
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const [importError, setImportError] = useState<{ message: string; cancelled: boolean } | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const previewRef = useRef<HTMLElement>(null);
  const summaryRef = useRef<HTMLElement>(null);
  const unsubRef = useRef<(() => void) | null>(null);

  useEffect(() => () => unsubRef.current?.(), []);
  // One message for the four split fields: editing any of them takes it away (the import checks again).
  useEffect(() => {
    const unsubscribe = form.subscribe({
      formState: { values: true },
      callback: ({ name }) => {
        if (name === 'seed' || name === 'train' || name === 'validation' || name === 'test') form.clearErrors('split' as keyof ImportFields);
      },
    });
    return unsubscribe;
  }, [form]);

  const key = sourceKey(fields);
  const stale = preview !== null && preview.key !== key;
  const step: Step = report ? 'summary' : importing ? 'import' : preview ? 'preview' : 'source';
  const locked = importing !== null || report !== null;

  const runPreview = async (source: ImportSource) => {
    if (locked) return;
    setPreviewError(null);
    setImportError(null);
    setPreviewing(true);
    const k = sourceKey(form.getValues());
    try {
      const data = await api.call('datasets.preview', source);
      setPreview({ key: k, data });
      setAllowDuplicate(false);
      // Fill what the preview found: the column choices (until the user changes them).
      const cols = data.detected.columns;
      if (!form.getValues('columnsTouched') && cols)
        form.setValue('columns', { image: cols.image ?? '', caption: cols.caption ?? '', label: cols.label ?? '' });
      requestAnimationFrame(() => previewRef.current?.focus());
    } catch (err) {
      setPreview(null);
      setPreviewError(errorText(err));
    } finally {
      setPreviewing(false);
    }
  };

  const runImport = async () => {
    if (!preview || stale || locked) return;
    const o = importOptionsOf(form.getValues(), allowDuplicate);
    if (!o.ok) {
      for (const [k, message] of Object.entries(o.errors)) if (message) form.setError(k as keyof ImportFields, { message });
      return;
    }
    const importId = newImportId();
    setImportError(null);
    setProgress({ importId, phase: 'scan', done: 0, total: null, skipped: 0, message: 'starting' });
    setImporting({ importId, cancelling: false });
    unsubRef.current?.();
    unsubRef.current = api.on('dataset.import.progress', (p) => {
      if (p.importId === importId) setProgress(p);
    });
    try {
      const r = await api.call('datasets.import', { ...o.options, importId });
      setReport(r);
      requestAnimationFrame(() => summaryRef.current?.focus());
    } catch (err) {
      const message = errorText(err);
      setImportError({ message, cancelled: /cancel/i.test(message) });
    } finally {
      unsubRef.current?.();
      unsubRef.current = null;
      setImporting(null);
    }
  };

  const cancelImport = async () => {
    if (!importing) return;
    setImporting({ ...importing, cancelling: true });
    try {
      await api.call('datasets.cancelImport', { importId: importing.importId });
    } catch (err) {
      setImportError({ message: `Could not cancel: ${errorText(err)}`, cancelled: false });
    }
  };

  const reset = () => {
    form.reset(defaultImportFields());
    setPreview(null);
    setPreviewError(null);
    setReport(null);
    setProgress(null);
    setImportError(null);
    setAllowDuplicate(false);
  };

  const pick = (name: 'path' | 'images', value: string) => form.setValue(name, value, { shouldValidate: form.formState.isSubmitted });
  const p = preview?.data ?? null;
  // When the columns cannot be told apart the preview fails, and its message lists them
  // ("... (columns: a, b, c); choose one"): offer those in the pickers so the user can choose.
  const columns = p?.availableColumns.length ? p.availableColumns : columnsFromError(previewError);
  const messages = Object.values(errors)
    .map((e) => e?.message)
    .filter((m): m is string => typeof m === 'string' && m !== '');
  const errorCount = messages.length;

  return (
    <section className="panel wizard" aria-labelledby="import-title" data-testid="import-wizard" data-step={step}>
      <nav className="crumbs" aria-label="Breadcrumb">
        <a href={hrefFor.datasets()}>Datasets</a> <span aria-hidden="true">/</span> <span>Import</span>
      </nav>
      <h1 id="import-title">Import a dataset</h1>
      <ol className="stepper" aria-label="Import steps" data-testid="import-steps">
        {STEPS.map((s, i) => {
          const at = STEPS.findIndex((x) => x.step === step);
          return (
            <li key={s.step} className={i < at ? 'done' : i === at ? 'current' : ''} aria-current={i === at ? 'step' : undefined}>
              <span className="step-no" aria-hidden="true">
                {i < at ? '✓' : i + 1}
              </span>
              {s.label}
            </li>
          );
        })}
      </ol>

      {locked && <SourceRecap fields={fields} preview={p} />}
      <FormProvider {...form}>
        <form
          className="form"
          hidden={locked}
          onSubmit={(e) => void form.handleSubmit(runPreview)(e)}
          noValidate
          data-testid="import-form"
          aria-describedby={errorCount ? 'import-errors' : undefined}
        >
          {errorCount > 0 && (
            <div id="import-errors" className="banner banner-error" role="alert" data-testid="import-form-errors">
              {messages.join(' · ')}
            </div>
          )}
          <fieldset className="fieldset" disabled={locked}>
            <legend>Source</legend>
            <TextField
              name="path"
              label="Path"
              placeholder="/data/flickr8k/captions.csv"
              hint={
                <>
                  A captions file (Flickr8k token.txt or CSV, COCO JSON, CSV, JSON lines), a folder of class folders, an MNIST folder, or{' '}
                  <code>{BUILTIN_MNIST_PATH}</code>. On the machine running the workbench; files are referenced in place, not copied.
                </>
              }
              addon={
                <>
                  <BrowseButton
                    kind="file"
                    label="File…"
                    title="Choose a captions or dataset file"
                    filters={[
                      { name: 'Captions and datasets', extensions: ['csv', 'txt', 'json', 'jsonl', 'tsv'] },
                      { name: 'All files', extensions: ['*'] },
                    ]}
                    onPick={(v) => pick('path', v)}
                    testId="browse-path-file"
                  />
                  <BrowseButton
                    kind="folder"
                    label="Folder…"
                    title="Choose a folder of class folders or an MNIST folder"
                    onPick={(v) => pick('path', v)}
                    testId="browse-path-folder"
                  />
                  <button type="button" className="btn btn-small" onClick={() => pick('path', BUILTIN_MNIST_PATH)} data-testid="use-mnist">
                    Built-in MNIST
                  </button>
                </>
              }
            />
            <div className="form-grid form-grid-wide">
              <TextField
                name="images"
                label="Images folder"
                placeholder="(detect)"
                disabled={fields.textOnly}
                hint={fields.textOnly ? 'Not used for a text-only corpus.' : 'Optional: found next to the captions file when left empty.'}
                addon={
                  <BrowseButton
                    kind="folder"
                    title="Choose the images folder"
                    disabled={fields.textOnly}
                    onPick={(v) => pick('images', v)}
                    testId="browse-images"
                  />
                }
              />
              <ChoiceField
                name="format"
                label="Format"
                hint="auto detects it from the files."
                choices={FORMAT_CHOICES.map((f) => ({ value: f, label: f === 'auto' ? 'auto (detect)' : FORMAT_LABELS[f] }))}
              />
            </div>
            <label className="check">
              <input type="checkbox" {...form.register('textOnly')} data-testid="field-text-only" />
              Text only: import the captions without images (a corpus for language models)
            </label>
            {columns.length > 0 && (
              <div className="form-grid columns-grid" data-testid="column-pickers" role="group" aria-label="Columns">
                {(['image', 'caption', 'label'] as const).map((c) => (
                  <Field
                    key={c}
                    name={`columns.${c}`}
                    label={`${c[0]?.toUpperCase()}${c.slice(1)} column`}
                    testId={`field-column-${c}`}
                    hint={
                      c === 'image'
                        ? 'The image path or file name.'
                        : c === 'caption'
                          ? 'Captions make an image + caption dataset.'
                          : 'Labels make a classification dataset.'
                    }
                  >
                    {(a) => (
                      <select
                        {...a}
                        value={fields.columns[c]}
                        onChange={(e) => {
                          // A choice of the user's: sent from now on instead of the server's detection.
                          form.setValue(`columns.${c}`, e.target.value);
                          form.setValue('columnsTouched', true);
                        }}
                      >
                        <option value="">{c === 'image' ? '(detect)' : '(none)'}</option>
                        {columns.map((col) => (
                          <option key={col} value={col}>
                            {col}
                          </option>
                        ))}
                      </select>
                    )}
                  </Field>
                ))}
              </div>
            )}
          </fieldset>
          <fieldset className="fieldset" disabled={locked}>
            <legend>Dataset</legend>
            <div className="form-grid">
              <TextField
                name="name"
                label="Name"
                hint="Optional; shown in the datasets list."
                maxLength={200}
                placeholder={p?.suggestedName ?? 'from the source'}
              />
              <TextField
                name="seed"
                label="Split seed"
                errorFor="split"
                hint="Splits are by image, deterministic for a seed."
                type="number"
                inputMode="numeric"
                min={0}
                step={1}
              />
              <TextField name="train" label="Train fraction" type="number" inputMode="decimal" min={0} max={1} step={0.05} />
              <TextField name="validation" label="Validation fraction" type="number" inputMode="decimal" min={0} max={1} step={0.05} />
              <TextField
                name="test"
                label="Test fraction"
                hint="The three fractions add up to 1."
                type="number"
                inputMode="decimal"
                min={0}
                max={1}
                step={0.05}
              />
            </div>
          </fieldset>
          {!locked && (
            <div className="form-actions">
              <button type="submit" className={`btn ${p && !stale ? '' : 'btn-primary'}`} disabled={previewing} data-testid="preview-button">
                {previewing ? 'Reading the source…' : p ? 'Preview again' : 'Preview'}
              </button>
              <a className="btn btn-link" href={hrefFor.datasets()}>
                Cancel
              </a>
            </div>
          )}
        </form>
      </FormProvider>

      {previewError && (
        <div className="banner banner-error wizard-msg" role="alert" data-testid="preview-error">
          <strong>Cannot preview:</strong> {previewError}
        </div>
      )}

      {p && !locked && (
        <section
          className="panel-section wizard-preview"
          aria-labelledby="preview-title"
          tabIndex={-1}
          ref={previewRef}
          data-testid="import-preview"
          data-stale={stale}
        >
          <div className="section-head">
            <h2 id="preview-title">Preview</h2>
            {stale && (
              <span className="warn-text" role="status" data-testid="preview-stale">
                The source changed since this preview: preview again before importing.
              </span>
            )}
          </div>
          <PreviewSummary p={p} />
          {p.duplicateOf && (
            <div className="banner banner-warn" role="alert" data-testid="duplicate-warning">
              <strong>Already imported.</strong> This source was imported before as{' '}
              <a href={hrefFor.dataset(p.duplicateOf.id)} data-testid="duplicate-link">
                {p.duplicateOf.name}
              </a>
              . Importing it again makes a second dataset.
              <label className="check">
                <input
                  type="checkbox"
                  checked={allowDuplicate}
                  disabled={locked}
                  onChange={(e) => setAllowDuplicate(e.target.checked)}
                  data-testid="allow-duplicate"
                />
                Import it again anyway
              </label>
            </div>
          )}
          <PreviewRows p={p} />
          <h3 className="subhead">
            Problems in the rows read{' '}
            <span className="muted small" data-testid="preview-skipped-count">
              ({p.skipped.length})
            </span>
          </h3>
          {p.skipped.length === 0 ? (
            <p className="muted small">None in the first rows; the import checks every line and image.</p>
          ) : (
            <SkippedTable items={p.skipped} testId="preview-skipped" caption="Skipped in the preview" />
          )}

          {step === 'preview' && (
            <div className="form-actions wizard-go">
              <button
                type="button"
                className="btn btn-primary"
                disabled={stale || (p.duplicateOf !== null && !allowDuplicate)}
                onClick={() => void runImport()}
                data-testid="import-button"
              >
                Import {fields.name.trim() || p.suggestedName}
              </button>
              {p.duplicateOf !== null && !allowDuplicate && <span className="muted small">Tick “Import it again anyway” to import a second copy.</span>}
            </div>
          )}
        </section>
      )}

      {importError && (
        <div
          className={`banner ${importError.cancelled ? 'banner-warn' : 'banner-error'} wizard-msg`}
          role="alert"
          data-testid="import-error"
          data-cancelled={importError.cancelled}
        >
          {importError.cancelled ? (
            <>
              <strong>Import cancelled.</strong> Nothing was written.
            </>
          ) : (
            <>
              <strong>Import failed:</strong> {importError.message}
            </>
          )}
        </div>
      )}

      {(importing || (report && progress)) && (
        <ProgressPanel progress={progress} running={importing !== null} cancelling={importing?.cancelling ?? false} onCancel={() => void cancelImport()} />
      )}

      {report && (
        <section
          className="panel-section"
          aria-labelledby="summary-title"
          tabIndex={-1}
          ref={summaryRef}
          data-testid="import-summary"
          data-dataset-id={report.dataset.id}
        >
          <ImportSummary report={report} />
          <div className="form-actions">
            <a className="btn btn-primary" href={hrefFor.dataset(report.dataset.id)} data-testid="open-dataset">
              Browse {report.dataset.name}
            </a>
            <a className="btn" href={hrefFor.datasetTab(report.dataset.id, 'stats')}>
              Stats
            </a>
            <button type="button" className="btn btn-link" onClick={reset} data-testid="import-another">
              Import another
            </button>
          </div>
        </section>
      )}
    </section>
  );
}

/** What is being imported, once the form is put away (import running, summary). */
function SourceRecap({ fields, preview }: { fields: ImportFields; preview: ImportPreview | null }) {
  const d = preview?.detected;
  return (
    <dl className="recap" data-testid="import-recap">
      <div>
        <dt>Source</dt>
        <dd className="mono small">{d?.file ?? fields.path}</dd>
      </div>
      {d?.imagesDir && (
        <div>
          <dt>Images</dt>
          <dd className="mono small">{d.imagesDir}</dd>
        </div>
      )}
      {d && (
        <div>
          <dt>Format</dt>
          <dd>
            {FORMAT_LABELS[d.format]} · {KIND_LABELS[d.kind]}
          </dd>
        </div>
      )}
      <div>
        <dt>Name</dt>
        <dd>{fields.name.trim() || preview?.suggestedName || '—'}</dd>
      </div>
      <div>
        <dt>Split</dt>
        <dd className="mono small">
          seed {fields.seed}: {fields.train} / {fields.validation} / {fields.test}
        </dd>
      </div>
    </dl>
  );
}

function PreviewSummary({ p }: { p: ImportPreview }) {
  const est = previewEstimate(p);
  const d = p.detected;
  return (
    <>
      <div className="stats">
        <div className="stat">
          <div className="stat-label">Format</div>
          <div className="stat-value stat-text" data-testid="preview-format" data-format={d.format}>
            {FORMAT_LABELS[d.format]}
          </div>
        </div>
        <div className="stat">
          <div className="stat-label">Kind</div>
          <div className="stat-value stat-text" data-testid="preview-kind" data-kind={d.kind}>
            {KIND_LABELS[d.kind]}
          </div>
        </div>
        {est.images !== null && (
          <div className="stat">
            <div className="stat-label">Images found</div>
            <div className="stat-value" data-testid="preview-images">
              {formatInt(est.images)}
            </div>
          </div>
        )}
        {est.records !== null && (
          <div className="stat">
            <div className="stat-label">{est.recordWord === 'captions' ? 'Captions (lines)' : 'Rows'}</div>
            <div className="stat-value" data-testid="preview-captions">
              {formatInt(est.records)}
            </div>
          </div>
        )}
        {est.classes > 0 && (
          <div className="stat">
            <div className="stat-label">Classes</div>
            <div className="stat-value" data-testid="preview-classes">
              {formatInt(est.classes)}
            </div>
          </div>
        )}
      </div>
      <dl className="facts">
        <div>
          <dt>Detected</dt>
          <dd data-testid="preview-reason">{d.reason}</dd>
        </div>
        <div>
          <dt>File</dt>
          <dd className="mono small">{d.file}</dd>
        </div>
        {d.imagesDir && (
          <div>
            <dt>Images</dt>
            <dd className="mono small" data-testid="preview-images-dir">
              {d.imagesDir}
            </dd>
          </div>
        )}
        {d.columns && (
          <div>
            <dt>Columns</dt>
            <dd className="mono small">
              {Object.entries(d.columns)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')}
            </dd>
          </div>
        )}
        {p.estimate.classes.length > 0 && (
          <div>
            <dt>Classes</dt>
            <dd className="small">
              {p.estimate.classes.slice(0, 20).join(', ')}
              {p.estimate.classes.length > 20 ? ` … (${p.estimate.classes.length})` : ''}
            </dd>
          </div>
        )}
      </dl>
    </>
  );
}

function PreviewRows({ p }: { p: ImportPreview }) {
  if (!p.rows.length) return <p className="muted">No rows could be read.</p>;
  const hasCaption = p.rows.some((r) => r.caption !== null);
  const hasLabel = p.rows.some((r) => r.label !== null);
  return (
    <>
      <h3 className="subhead">First {plural(p.rows.length, 'row')}</h3>
      <div className="table-wrap preview-rows-wrap">
        <table className="runs-table preview-table" data-testid="preview-rows" data-count={p.rows.length}>
          <thead>
            <tr>
              <th scope="col" className="num">
                Line
              </th>
              <th scope="col">Image</th>
              <th scope="col">Check</th>
              <th scope="col">Size</th>
              {hasLabel && <th scope="col">Label</th>}
              {hasCaption && <th scope="col">Caption</th>}
            </tr>
          </thead>
          <tbody>
            {p.rows.map((r, i) => (
              <tr key={`${r.key}-${r.line ?? i}-${i}`} data-testid="preview-row" data-image={r.image}>
                <td className="num mono">{r.line ?? '—'}</td>
                <td className="mono small ellipsis" title={r.key}>
                  {r.key}
                </td>
                <td>
                  <ImageCheck state={r.image} />
                </td>
                <td className="mono small">{r.width && r.height ? formatImageSize(r.width, r.height) : '—'}</td>
                {hasLabel && <td>{r.label ?? '—'}</td>}
                {hasCaption && <td className="wrap">{r.caption ?? '—'}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function ImageCheck({ state }: { state: 'ok' | 'missing' | 'undecodable' | 'none' }) {
  if (state === 'ok')
    return (
      <span className="check-ok" title="The image decodes">
        <span aria-hidden="true">✓</span> ok
      </span>
    );
  if (state === 'none') return <span className="muted">—</span>;
  return (
    <span className="check-bad">
      <span aria-hidden="true">✗</span> {state}
    </span>
  );
}

function ProgressPanel({
  progress,
  running,
  cancelling,
  onCancel,
}: {
  progress: ImportProgress | null;
  running: boolean;
  cancelling: boolean;
  onCancel(): void;
}) {
  const pct = progressPercent(progress);
  const phase = progress ? PHASE_LABELS[progress.phase] : 'Starting';
  const detail = progress && progress.total !== null && progress.phase !== 'scan' ? `${formatInt(progress.done)} / ${formatInt(progress.total)}` : null;
  return (
    <section className="panel-section" aria-labelledby="progress-title" data-testid="import-progress" data-phase={progress?.phase ?? 'scan'}>
      <div className="section-head">
        <h2 id="progress-title">Import</h2>
        {running && (
          <button type="button" className="btn btn-small btn-danger" onClick={onCancel} disabled={cancelling} data-testid="cancel-import">
            {cancelling ? 'Cancelling…' : 'Cancel import'}
          </button>
        )}
      </div>
      <div
        className={`progress${pct === null ? ' progress-indeterminate' : ''}`}
        role="progressbar"
        aria-label="Import progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct === null ? undefined : Math.round(pct)}
        aria-valuetext={`${phase}${detail ? ` ${detail}` : ''}`}
        data-testid="import-progress-bar"
      >
        <div className="progress-fill" style={{ width: pct === null ? undefined : `${pct}%` }} />
      </div>
      <p className="small progress-text" aria-live="polite" data-testid="import-progress-text">
        <strong>{phase}</strong>
        {detail && <> · {detail}</>}
        {progress?.skipped ? <> · {plural(progress.skipped, 'skipped input')}</> : null}
        {progress?.message && <span className="muted"> · {progress.message}</span>}
      </p>
    </section>
  );
}

function ImportSummary({ report }: { report: ImportReport }) {
  const api = useApi();
  const c = report.counts;
  const kind = report.dataset.kind;
  const [more, setMore] = useState<SkippedItem[] | null>(null);
  const [moreError, setMoreError] = useState<string | null>(null);
  const shown = more ?? report.skipped;
  const loadAll = async () => {
    try {
      const page = await api.call('datasets.skipped', { id: report.dataset.id, offset: 0, limit: 10_000 });
      setMore(page.items);
    } catch (err) {
      setMoreError(errorText(err));
    }
  };
  return (
    <>
      <div className="section-head">
        <h2 id="summary-title">
          Imported <span data-testid="summary-name">{report.dataset.name}</span>
        </h2>
        <span className="muted small">in {formatDuration(report.ms)}</span>
      </div>
      <div className="stats">
        <SummaryStat label="Items" value={c.items} testId="summary-items" />
        {kind !== 'text' && <SummaryStat label="Images" value={c.images} testId="summary-images" />}
        {kind !== 'classification' && <SummaryStat label="Captions" value={c.captions} testId="summary-captions" />}
        {kind === 'classification' && <SummaryStat label="Labels" value={c.labelled} testId="summary-labels" />}
        {c.classes > 0 && <SummaryStat label="Classes" value={c.classes} testId="summary-classes" />}
        <SummaryStat label="Skipped" value={report.skippedTotal} testId="summary-skipped" warn={report.skippedTotal > 0} />
      </div>
      <dl className="facts">
        <div>
          <dt>Split (train / validation / test)</dt>
          <dd className="mono" data-testid="summary-split">
            {formatInt(c.splits.train)} / {formatInt(c.splits.validation)} / {formatInt(c.splits.test)}
          </dd>
        </div>
        {report.unreferencedImages > 0 && (
          <div>
            <dt>Images without captions</dt>
            <dd>{formatInt(report.unreferencedImages)} (not imported)</dd>
          </div>
        )}
      </dl>
      <h3 className="subhead">Skipped, by reason</h3>
      <SkipReasons byReason={report.skippedByReason} testId="summary-reasons" />
      {shown.length > 0 && (
        <>
          <h3 className="subhead">
            Skipped inputs{' '}
            <span className="muted small">
              ({shown.length < report.skippedTotal ? `first ${formatInt(shown.length)} of ${formatInt(report.skippedTotal)}` : formatInt(report.skippedTotal)})
            </span>
          </h3>
          <SkippedTable items={shown} testId="summary-skipped-list" caption="Skipped inputs" />
          {shown.length < report.skippedTotal && (
            <button type="button" className="btn btn-small" onClick={() => void loadAll()} data-testid="load-all-skipped">
              Show all {formatInt(Math.min(report.skippedTotal, 10_000))}
            </button>
          )}
          {moreError && <p className="error-text">{moreError}</p>}
        </>
      )}
    </>
  );
}

function SummaryStat({ label, value, testId, warn = false }: { label: string; value: number; testId: string; warn?: boolean }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className={`stat-value${warn ? ' warn-text' : ''}`} data-testid={testId} data-value={value}>
        {formatInt(value)}
      </div>
    </div>
  );
}
