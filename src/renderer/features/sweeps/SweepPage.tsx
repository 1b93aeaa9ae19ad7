/**
 * A sweep's page (`#/sweeps/ID`): its runs by status, the best run by the sweep's metric, a
 * parallel-coordinates chart from each swept hyperparameter to the final metric (the best run
 * drawn on top), and its runs with one column per hyperparameter; Compare opens on all of them.
 * Reloads when any of its runs changes status (queries.ts invalidates it).
 */
import type { SweepDetail } from '../../../shared/api';
import { useApiQuery } from '../../api/queries';
import { hrefFor } from '../../app/route';
import { parallelCoordinates } from './parallel-coordinates';

const W = 640;
const H = 260;
const PAD = { left: 60, right: 60, top: 24, bottom: 30 };

function ParallelCoordinates({ sweep }: { sweep: SweepDetail }) {
  const { axes, lines } = parallelCoordinates(sweep.runs, sweep.swept, sweep.metric);
  const x = (i: number): number => PAD.left + (axes.length === 1 ? 0 : (i * (W - PAD.left - PAD.right)) / (axes.length - 1));
  const y = (p: number): number => H - PAD.bottom - p * (H - PAD.top - PAD.bottom);
  const best = sweep.best?.id;
  // The best run last, so it is drawn over the others.
  const ordered = [...lines].sort((a, b) => Number(a.id === best) - Number(b.id === best));
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      width="100%"
      role="img"
      aria-label={`Parallel coordinates: ${sweep.swept.join(', ')} to ${sweep.metric}`}
      data-testid="sweep-pc"
    >
      {axes.map((a, i) => (
        <g key={a.key} data-testid="pc-axis" data-kind={a.kind}>
          <line x1={x(i)} x2={x(i)} y1={y(0)} y2={y(1)} stroke="currentColor" strokeOpacity={0.4} />
          <text x={x(i)} y={PAD.top - 8} textAnchor="middle" fontSize={11}>
            {a.key}
            {a.kind === 'log' ? ' (log)' : ''}
          </text>
          {a.ticks.map((t, j) => (
            <text key={t} x={x(i) + 4} y={y(a.ticks.length === 1 ? 0.5 : j / (a.ticks.length - 1)) + 3} fontSize={9} opacity={0.7}>
              {t}
            </text>
          ))}
        </g>
      ))}
      {ordered.map((l) => {
        // A missing value breaks the line there (a run without the metric yet).
        const segments: string[] = [];
        let cur: string[] = [];
        l.positions.forEach((p, i) => {
          if (p === null) {
            if (cur.length > 1) segments.push(cur.join(' '));
            cur = [];
          } else cur.push(`${x(i)},${y(p)}`);
        });
        if (cur.length > 1) segments.push(cur.join(' '));
        return (
          <g key={l.id} data-testid="pc-line" data-run={l.id} data-best={l.id === best ? 'true' : undefined}>
            {segments.map((s, k) => (
              <polyline
                key={k}
                points={s}
                fill="none"
                stroke={l.id === best ? 'var(--accent, #d62728)' : 'currentColor'}
                strokeOpacity={l.id === best ? 1 : 0.35}
                strokeWidth={l.id === best ? 2.5 : 1.2}
              />
            ))}
          </g>
        );
      })}
    </svg>
  );
}

export function SweepPage({ sweepId }: { sweepId: string }) {
  const q = useApiQuery('sweeps.get', { id: sweepId });
  const sweep = q.data;
  if (q.error && !sweep)
    return (
      <p role="alert">
        Sweep {sweepId}: {q.error}
      </p>
    );
  if (!sweep) return <p className="muted">Loading the sweep…</p>;
  const best = sweep.runs.find((r) => r.id === sweep.best?.id);
  return (
    <section aria-labelledby="sweep-title">
      <h1 id="sweep-title">{sweep.name}</h1>
      <p data-testid="sweep-counts">
        {sweep.runs.length} runs:{' '}
        {Object.entries(sweep.counts)
          .map(([s, n]) => `${n} ${s}`)
          .join(', ')}{' '}
        · <a href={hrefFor.compare(sweep.runs.map((r) => r.id))}>Compare all</a>
      </p>
      <p data-testid="sweep-best">
        {best ? (
          <>
            Best by {sweep.metric} ({sweep.goal === 'max' ? 'higher' : 'lower'} is better): <a href={hrefFor.run(best.id)}>{best.name}</a> = {sweep.best?.value}
          </>
        ) : (
          `No run has recorded ${sweep.metric} yet.`
        )}
      </p>
      <ParallelCoordinates sweep={sweep} />
      <table data-testid="sweep-runs">
        <thead>
          <tr>
            <th>Run</th>
            <th>Status</th>
            {sweep.swept.map((k) => (
              <th key={k}>{k}</th>
            ))}
            <th>{sweep.metric}</th>
            <th>Worker</th>
          </tr>
        </thead>
        <tbody>
          {sweep.runs.map((r) => (
            <tr key={r.id} data-best={r.id === best?.id ? 'true' : undefined}>
              <td>
                <a href={hrefFor.run(r.id)}>{r.name}</a>
              </td>
              <td>{r.status}</td>
              {sweep.swept.map((k) => (
                <td key={k}>{String((r.spec.params as Record<string, unknown>)[k] ?? '')}</td>
              ))}
              <td>{r.summary[sweep.metric] ?? '—'}</td>
              <td>{r.worker ?? 'this machine'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
