/**
 * Loads @tensorflow/tfjs-backend-wasm in Node: points it at the .wasm binaries inside the npm
 * package and registers the project's training kernels (src/engine/kernels).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { registerWasmKernels } from '../kernels';

let initPromise: Promise<string | null> | null = null;

/** Directory holding tfjs-backend-wasm*.wasm (with a trailing separator), or null. */
export function wasmBinaryDir(): string | null {
  const override = process.env.MLBL_WASM_DIR;
  const candidates: string[] = [];
  if (override) candidates.push(override);
  try {
    const req = createRequire(import.meta.url);
    candidates.push(path.join(path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'));
  } catch {
    // fall through to the cwd-relative guess
  }
  candidates.push(path.join(process.cwd(), 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist'));
  for (const dir of candidates) {
    if (existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm'))) return dir.endsWith(path.sep) ? dir : dir + path.sep;
  }
  return null;
}

async function init(): Promise<string | null> {
  const dir = wasmBinaryDir();
  if (!dir) return 'the tfjs-backend-wasm .wasm binaries were not found (set MLBL_WASM_DIR)';
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (e) {
    return `@tensorflow/tfjs-backend-wasm failed to load: ${e instanceof Error ? e.message : String(e)}`;
  }
  try {
    // A plain directory path works in Node: emscripten reads the binary with fs.
    wasm.setWasmPaths(dir);
  } catch (e) {
    // Already initialised by someone else: the paths are then already set.
    if (!/already initialized/i.test(e instanceof Error ? e.message : '')) throw e;
  }
  registerWasmKernels();
  return null;
}

/** Idempotent. Returns null on success, or why wasm cannot be used. */
export function initWasmBackend(): Promise<string | null> {
  if (!initPromise) {
    initPromise = init().catch((e: unknown) => `wasm setup failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  return initPromise;
}
