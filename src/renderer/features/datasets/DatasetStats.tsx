import { useState, type ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { DatasetSummary } from '../../../shared/api';
import type { DatasetStats, Histogram } from '../../../shared/dataset-schema';
import { formatCompact, formatImageSize, formatInt, formatNumber, formatPercent } from '../../lib/format';
import { useChartColors } from '../../app/theme';
import { useApiQuery } from '../../api/queries';
import { SkipReasons } from './SkippedTable';
import { Stat } from '../../ui/Stat';
import './datasets.css';

const CUTOFFS = [1, 2, 3, 5, 10, 20, 50];

export function DatasetStatsView({ dataset }: { dataset: DatasetSummary }) {
  const [cutoffText, setCutoffText] = useState('5');
  const parsed = Number(cutoffText);
  const cutoff = Number.isInteger(parsed) && parsed >= 1 && parsed <= 1_000_000 ? parsed : null;
  const [lastCutoff, setLastCutoff] = useState(5);
  const effective = cutoff ?? lastCutoff;
  const stats = useApiQuery('datasets.stats', { id: dataset.id, cutoff: effective, top: 50 });
  const s = stats.data;

  if (!s) {
    return (
      <div className="stats-view" data-testid="stats-view" data-loaded="false">
        {stats.error ? (
          <p className="error-text" role="alert">
            Could not load the stats: {stats.error}
          </p>
        ) : (
          <p className="muted">Computing stats…</p>
        )}
      </div>
    );
  }
  const captioned = s.kind !== 'classification';
  const images = s.kind !== 'text';

  return (
    <div className="stats-view" data-testid="stats-view" data-loaded="true" aria-busy={stats.loading}>
      <div className="stats">
        <Stat label="Items" value={formatInt(s.counts.items)} testId="stats-items" />
        {images && <Stat label="Images" value={formatInt(s.counts.images)} testId="stats-images" />}
        {captioned && <Stat label="Captions" value={formatInt(s.counts.captions)} testId="stats-captions" />}
        {s.classes.length > 0 && <Stat label="Classes" value={formatInt(s.classes.length)} testId="stats-classes" />}
        {captioned && <Stat label="Captions per image" value={formatNumber(s.captionsPerImage.mean, 3)} testId="stats-captions-per-image" />}
        {captioned && <Stat label="Mean caption length" value={`${formatNumber(s.captionLength.mean, 3)} tokens`} testId="stats-caption-length" />}
        {captioned && <Stat label="Vocabulary size" value={formatInt(s.vocabulary.size)} testId="stats-vocab-size" />}
        {captioned && <Stat label="Tokens" value={formatInt(s.vocabulary.tokens)} testId="stats-tokens" />}
      </div>

      {captioned && (
        <div className="cutoff-row">
          <label className="inline-control">
            Word count cutoff
            <input
              type="number"
              min={1}
              step={1}
              className="cutoff-input"
              value={cutoffText}
              aria-invalid={cutoff === null}
              onChange={(e) => {
                setCutoffText(e.target.value);
                const n = Number(e.target.value);
                if (Number.isInteger(n) && n >= 1) setLastCutoff(n);
              }}
              data-testid="stats-cutoff"
            />
          </label>
          <span data-testid="stats-unk">
            Words seen fewer than {formatInt(s.vocabulary.cutoff)} times become <code>&lt;unk&gt;</code>:{' '}
            <strong>{formatPercent(s.vocabulary.unkShare, 2)}</strong> of tokens; the vocabulary keeps <strong>{formatInt(s.vocabulary.sizeAtCutoff)}</strong>{' '}
            of {formatInt(s.vocabulary.size)} words.
          </span>
        </div>
      )}

      <div className="charts stats-charts">
        {s.classes.length > 0 && <ClassesChart stats={s} />}
        {captioned && <HistogramChart title="Captions per image" hist={s.captionsPerImage} x="captions" testId="chart-captions-per-image" />}
        {captioned && <HistogramChart title="Caption length" hist={s.captionLength} x="tokens" testId="chart-caption-length" mean />}
        {captioned && <UnkChart stats={s} />}
        {captioned && s.vocabulary.top.length > 0 && <TopWords stats={s} />}
        {images && s.imageSizes.count > 0 && <ImageSizes stats={s} />}
      </div>

      <section className="panel-section" aria-labelledby="skips-title">
        <h2 id="skips-title">Skipped at import</h2>
        <SkipReasons byReason={s.skippedByReason} testId="stats-skips" />
      </section>
    </div>
  );
}

function ChartCard({ title, testId, note, children, points }: { title: string; testId: string; note?: string; children: ReactNode; points: number }) {
  return (
    <figure className="chart-card" data-testid={testId} data-points={points}>
      <figcaption className="chart-head">
        <span className="chart-title">{title}</span>
        {note && <span className="muted small">{note}</span>}
      </figcaption>
      {children}
    </figure>
  );
}

function ClassesChart({ stats }: { stats: DatasetStats }) {
  const colors = useChartColors();
  const many = stats.classes.length > 40;
  const counts = stats.classes.map((c) => c.count);
  return (
    <ChartCard
      title="Images per class"
      testId="chart-classes"
      points={stats.classes.length}
      note={many ? `${stats.classes.length} classes, ${formatInt(Math.min(...counts))}–${formatInt(Math.max(...counts))} each` : undefined}
    >
      <BarChart responsive style={{ width: '100%', height: 260 }} data={stats.classes} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" stroke={colors.grid} vertical={false} />
        <XAxis
          dataKey="name"
          interval={many ? 'preserveStartEnd' : 0}
          tick={many ? false : undefined}
          height={many ? 10 : 36}
          angle={stats.classes.length > 12 ? -35 : 0}
          textAnchor={stats.classes.length > 12 ? 'end' : 'middle'}
        />
        <YAxis tickFormatter={formatCompact} width={48} allowDecimals={false} />
        <Tooltip formatter={(v) => [formatInt(Number(v)), 'images']} isAnimationActive={false} cursor={{ fill: colors.grid }} />
        <Bar dataKey="count" name="images" fill={colors.main} isAnimationActive={false} maxBarSize={48} />
      </BarChart>
    </ChartCard>
  );
}

function HistogramChart({ title, hist, x, testId, mean = false }: { title: string; hist: Histogram; x: string; testId: string; mean?: boolean }) {
  const colors = useChartColors();
  const note = hist.bins.length ? `${formatInt(hist.min)}–${formatInt(hist.max)} ${x}, mean ${formatNumber(hist.mean, 3)}` : undefined;
  return (
    <ChartCard title={title} testId={testId} points={hist.bins.length} note={note}>
      {hist.bins.length === 0 ? (
        <div className="chart-empty">No data.</div>
      ) : (
        <BarChart responsive style={{ width: '100%', height: 240 }} data={hist.bins} margin={{ top: 18, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke={colors.grid} vertical={false} />
          <XAxis dataKey="value" label={{ value: x, position: 'insideBottomRight', offset: -2 }} height={36} />
          <YAxis tickFormatter={formatCompact} width={48} allowDecimals={false} />
          <Tooltip
            formatter={(v) => [formatInt(Number(v)), 'count']}
            labelFormatter={(l) => `${String(l)} ${x}`}
            isAnimationActive={false}
            cursor={{ fill: colors.grid }}
          />
          {mean && (
            <ReferenceLine
              x={Math.round(hist.mean)}
              stroke={colors.alt}
              strokeDasharray="4 3"
              label={{ value: 'mean', position: 'top', fill: colors.alt, fontSize: 11 }}
            />
          )}
          <Bar dataKey="count" name="count" fill={colors.main} isAnimationActive={false} maxBarSize={48} />
        </BarChart>
      )}
    </ChartCard>
  );
}

function UnkChart({ stats }: { stats: DatasetStats }) {
  const colors = useChartColors();
  const v = stats.vocabulary;
  const data = v.byCutoff.map((b) => ({ cutoff: String(b.cutoff), unk: b.unkShare * 100, size: b.size }));
  const onChart = CUTOFFS.includes(v.cutoff) || v.byCutoff.some((b) => b.cutoff === v.cutoff);
  return (
    <ChartCard title="<unk> share vs cutoff" testId="chart-unk" points={data.length} note={`at ${v.cutoff}: ${formatPercent(v.unkShare, 2)}`}>
      <LineChart responsive style={{ width: '100%', height: 240 }} data={data} margin={{ top: 8, right: 8, bottom: 4, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" stroke={colors.grid} />
        <XAxis dataKey="cutoff" label={{ value: 'min. count', position: 'insideBottomRight', offset: -2 }} height={36} />
        <YAxis yAxisId="unk" tickFormatter={(n: number) => `${formatNumber(n, 2)}%`} width={52} />
        <YAxis yAxisId="size" orientation="right" tickFormatter={formatCompact} width={48} />
        <Tooltip
          formatter={(val, name) => (name === '<unk> share' ? [`${formatNumber(Number(val), 3)}%`, name] : [formatInt(Number(val)), name])}
          labelFormatter={(l) => `cutoff ${String(l)}`}
          isAnimationActive={false}
        />
        <Legend verticalAlign="top" height={24} />
        {onChart && <ReferenceLine yAxisId="unk" x={String(v.cutoff)} stroke={colors.axis} strokeDasharray="4 3" />}
        <Line yAxisId="unk" type="monotone" dataKey="unk" name="<unk> share" stroke={colors.main} strokeWidth={2} dot isAnimationActive={false} />
        <Line yAxisId="size" type="monotone" dataKey="size" name="vocabulary" stroke={colors.alt} strokeWidth={2} dot isAnimationActive={false} />
      </LineChart>
    </ChartCard>
  );
}

function TopWords({ stats }: { stats: DatasetStats }) {
  const colors = useChartColors();
  const top = stats.vocabulary.top.slice(0, 20);
  const rest = stats.vocabulary.top.slice(20);
  return (
    <ChartCard title="Most frequent words" testId="chart-top-words" points={top.length}>
      <BarChart
        responsive
        layout="vertical"
        style={{ width: '100%', height: Math.max(240, top.length * 18 + 20) }}
        data={top}
        margin={{ top: 4, right: 16, bottom: 4, left: 0 }}
      >
        <CartesianGrid strokeDasharray="3 3" stroke={colors.grid} horizontal={false} />
        <XAxis type="number" tickFormatter={formatCompact} />
        <YAxis type="category" dataKey="word" width={70} interval={0} />
        <Tooltip formatter={(v) => [formatInt(Number(v)), 'count']} isAnimationActive={false} cursor={{ fill: colors.grid }} />
        <Bar dataKey="count" name="count" fill={colors.main} isAnimationActive={false} />
      </BarChart>
      {rest.length > 0 && (
        <p className="word-list small" data-testid="top-words-rest">
          {rest.map((w) => (
            <span key={w.word} className="word">
              {w.word} <span className="muted">{formatInt(w.count)}</span>
            </span>
          ))}
        </p>
      )}
    </ChartCard>
  );
}

function ImageSizes({ stats }: { stats: DatasetStats }) {
  const colors = useChartColors();
  const { width, height, common, count } = stats.imageSizes;
  const data = sizeBins(width, height, 16);
  return (
    <ChartCard
      title="Image sizes"
      testId="chart-image-sizes"
      points={data.length}
      note={`${formatInt(count)} images; width ${formatInt(width.min)}–${formatInt(width.max)}, height ${formatInt(height.min)}–${formatInt(height.max)} px`}
    >
      <BarChart responsive style={{ width: '100%', height: 220 }} data={data} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" stroke={colors.grid} vertical={false} />
        <XAxis dataKey="label" label={{ value: 'px', position: 'insideBottomRight', offset: -2 }} height={36} />
        <YAxis tickFormatter={formatCompact} width={48} allowDecimals={false} />
        <Tooltip
          formatter={(v, n) => [formatInt(Number(v)), n]}
          labelFormatter={(l) => `${String(l)} px`}
          isAnimationActive={false}
          cursor={{ fill: colors.grid }}
        />
        <Legend verticalAlign="top" height={24} />
        <Bar dataKey="width" name="width" fill={colors.main} isAnimationActive={false} maxBarSize={28} />
        <Bar dataKey="height" name="height" fill={colors.alt} isAnimationActive={false} maxBarSize={28} />
      </BarChart>
      {common.length > 0 && (
        <table className="mini-table" data-testid="common-sizes">
          <caption className="muted small">Most common sizes</caption>
          <tbody>
            {common.slice(0, 6).map((c) => (
              <tr key={`${c.width}x${c.height}`}>
                <td className="mono">{formatImageSize(c.width, c.height)}</td>
                <td className="num">{formatInt(c.count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </ChartCard>
  );
}

/** Width and height counts in `n` equal ranges over both (the server's bins are per distinct size). */
export function sizeBins(width: Histogram, height: Histogram, n: number): { label: string; width: number; height: number }[] {
  if (!width.bins.length && !height.bins.length) return [];
  const lo = Math.min(width.min, height.min);
  const hi = Math.max(width.max, height.max);
  const step = Math.max(1, Math.ceil((hi - lo + 1) / n));
  const out = Array.from({ length: Math.ceil((hi - lo + 1) / step) }, (_, i) => ({ label: `${lo + i * step}`, width: 0, height: 0 }));
  for (const b of width.bins) (out[Math.floor((b.value - lo) / step)] as { width: number }).width += b.count;
  for (const b of height.bins) (out[Math.floor((b.value - lo) / step)] as { height: number }).height += b.count;
  return out;
}
