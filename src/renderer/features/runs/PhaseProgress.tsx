import type { RunPhase } from '../../../shared/api';
import { phaseCount, phaseFraction, phaseTimeLeft } from './phase-text';
import './runs.css';

/**
 * A run's long phase (feature extraction, decoding for BLEU, export) as a progress bar with its
 * count and time left; `compact` for a runs-table cell. Nothing when the run is not in one.
 */
export function PhaseProgress({ phase, compact = false }: { phase: RunPhase | null | undefined; compact?: boolean }) {
  if (!phase) return null;
  const pct = Math.round(phaseFraction(phase) * 100);
  return (
    <div
      className={compact ? 'phase-progress phase-compact' : 'phase-progress'}
      data-testid="run-phase"
      data-phase={phase.name}
      data-done={phase.done}
      data-total={phase.total}
    >
      <span className={compact ? 'small' : ''}>{phase.label}</span>
      <progress max={phase.total || 1} value={phase.done} aria-label={`${phase.label}: ${pct}%`} />
      <span className="muted small" data-testid="run-phase-count">
        {phaseCount(phase)} · {phaseTimeLeft(phase)}
      </span>
    </div>
  );
}
