import { formatDuration, formatInt } from '../../lib/format';
import type { MeasuredSpeed } from './run-estimate';
import './new-run.css';

/** "About 4 min 10 s of training (1,234 images/s, the median of 3 recent runs on this host)", or why there is no estimate. */
export function RunEstimate({ work, speed, unit, kind }: { work: number | null; speed: MeasuredSpeed | null; unit: string; kind: string }) {
  let text: string;
  if (!speed) text = `No measurement yet: time estimates come from finished ${kind} runs on this host.`;
  else if (work === null) text = 'No estimate until the numbers above are valid.';
  else
    text = `About ${formatDuration((work / speed.perSecond) * 1000)} of training (${formatInt(speed.perSecond)} ${unit}/s, ${
      speed.runs === 1 ? 'measured on the last' : `the median of the last ${speed.runs}`
    } ${kind} run${speed.runs === 1 ? '' : 's'} on this host).`;
  return (
    <p className="muted small run-estimate" role="status" data-testid="run-estimate" data-measured={speed ? 'yes' : 'no'}>
      {text}
    </p>
  );
}
