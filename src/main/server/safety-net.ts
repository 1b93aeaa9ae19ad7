import fs from 'node:fs';
import path from 'node:path';

export interface SafetyNetOptions {
  /** Also appended here (created if missing); stderr always gets the line. */
  logFile?: string;
  /** The log file is rotated to `.1` beyond this size. */
  maxLogBytes?: number;
  /** At most this many reports a minute; the rest are counted and reported as one line. */
  maxPerMinute?: number;
  now?: () => Date;
}

/**
 * For serve mode: an exception or rejection that escaped every handler is logged and the process
 * keeps serving. Exiting would interrupt every run this host is training; staying up keeps them
 * owned (the run manager and its engine processes are untouched by the failed request).
 * Returns a function that removes the handlers.
 */
export function installSafetyNet(o: SafetyNetOptions = {}): () => void {
  const maxLog = o.maxLogBytes ?? 1 << 20;
  const perMinute = o.maxPerMinute ?? 60;
  const now = o.now ?? (() => new Date());
  let windowStart = 0;
  let inWindow = 0;
  let suppressed = 0;

  const write = (line: string): void => {
    process.stderr.write(line);
    if (!o.logFile) return;
    try {
      fs.mkdirSync(path.dirname(o.logFile), { recursive: true });
      try {
        if (fs.statSync(o.logFile).size > maxLog) fs.renameSync(o.logFile, o.logFile + '.1');
      } catch {
        /* no log yet */
      }
      fs.appendFileSync(o.logFile, line);
    } catch (e) {
      process.stderr.write(`mlbl serve: could not write ${o.logFile}: ${(e as Error).message}\n`);
    }
  };

  const report = (kind: string, err: unknown): void => {
    const t = now();
    if (t.getTime() - windowStart > 60_000) {
      if (suppressed > 0) write(`${t.toISOString()} mlbl serve: ${suppressed} more escaped errors were not logged\n`);
      windowStart = t.getTime();
      inWindow = 0;
      suppressed = 0;
    }
    if (++inWindow > perMinute) {
      suppressed++;
      return;
    }
    const what = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
    write(`${t.toISOString()} mlbl serve: ${kind} (kept serving): ${what}\n`);
  };

  const onException = (err: Error, origin: string): void => report(origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught exception', err);
  const onRejection = (reason: unknown): void => report('unhandled rejection', reason);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
