import { useLayoutEffect, useRef } from 'react';
import type { LogRecord } from '../../../shared/api';
import { formatTime } from '../../lib/format';
import './run-page.css';

/** The run's log lines; sticks to the bottom unless the user scrolled up. */
export function LogsPanel({ logs }: { logs: LogRecord[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [logs]);
  return (
    <section className="panel-section" aria-labelledby="logs-title">
      <div className="section-head">
        <h2 id="logs-title">Logs</h2>
        <span className="muted small">{logs.length} lines</span>
      </div>
      <div
        ref={ref}
        className="logs"
        role="log"
        aria-labelledby="logs-title"
        tabIndex={0}
        data-testid="run-logs"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {logs.length === 0 ? (
          <p className="muted">No log lines yet.</p>
        ) : (
          logs.map((l, i) => (
            <div key={`${l.ts}-${i}`} className={`log-line log-${l.level}`}>
              <time className="log-ts">{formatTime(l.ts)}</time>
              <span className="log-level">{l.level}</span>
              <span className="log-msg">{l.message}</span>
            </div>
          ))
        )}
      </div>
    </section>
  );
}
