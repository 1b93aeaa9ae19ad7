/**
 * Child process of the import-bomb benchmark: one folder import through a real host (the import
 * runs in its worker thread, as in `mlbl serve` and the app), then this process's peak RSS
 * (process.resourceUsage().maxRSS covers the worker thread too) as one JSON line on stdout.
 *
 *   node --import tsx bench/import-bomb-host.ts ROOT DATA_DIR [PROJECT]
 *
 * PROJECT (default: this checkout) is where src/main/host.ts is loaded from (the "before" run).
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { createHost as CreateHost } from '../src/main/host';
import type { ImportReport } from '../src/shared/dataset-schema';

const [root, dataDir, project = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')] = process.argv.slice(2);
if (!root || !dataDir) throw new Error('usage: import-bomb-host.ts ROOT DATA_DIR [PROJECT]');
const { createHost } = (await import(pathToFileURL(path.join(project, 'src', 'main', 'host.ts')).href)) as { createHost: typeof CreateHost };
const host = createHost({ dataDir, transport: 'websocket', concurrency: 0 });
try {
  const r = (await host.dispatch('datasets.import', { path: root, format: 'folders', name: 'bomb-bench' })) as ImportReport;
  process.stdout.write(
    `${JSON.stringify({ items: r.counts.items, skippedByReason: r.skippedByReason, ms: r.ms, maxRssKb: process.resourceUsage().maxRSS })}\n`,
  );
} finally {
  await host.close();
}
