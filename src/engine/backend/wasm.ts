/**
 * Loads @tensorflow/tfjs-backend-wasm in Node: points it at the .wasm binaries inside the npm
 * package, optionally starts its multi-threaded build (XNNPACK on a pthreadpool of Node worker
 * threads), and registers the project's training kernels (src/engine/kernels).
 *
 * Threads: tfjs only starts the threaded build in browsers (its Node feature test says no, its
 * worker script is a Blob URL that Node's Worker cannot load, and its C++ caps the pool at
 * cores/2, i.e. 1 on a 2-core machine). We start the same build ourselves: the pthread worker
 * script goes to a temp file, and os.cpus() is widened while the module initialises so that the
 * cap is the requested count. MLBL_WASM_THREADS=N picks the count (1 = the stock single-thread
 * SIMD build, the default: see `defaultWasmThreads`). Any failure falls back to 1 thread and says
 * why.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import os from 'node:os';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { registerWasmKernels } from '../kernels';

type WasmPkg = typeof import('@tensorflow/tfjs-backend-wasm');

export interface WasmInfo {
  /** XNNPACK threads in use (1 = single-threaded build). */
  threads: number;
  /** Why fewer threads than requested are used, if so. */
  note?: string;
}

let initPromise: Promise<string | null> | null = null;
let info: WasmInfo = { threads: 1 };

export function wasmInfo(): WasmInfo {
  return info;
}

function pkgDir(): string | null {
  try {
    const req = createRequire(import.meta.url);
    return path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  } catch {
    const guess = path.join(process.cwd(), 'node_modules', '@tensorflow', 'tfjs-backend-wasm');
    return existsSync(guess) ? guess : null;
  }
}

/** Directory holding tfjs-backend-wasm*.wasm (with a trailing separator), or null. */
export function wasmBinaryDir(): string | null {
  const candidates: string[] = [];
  if (process.env.MLBL_WASM_DIR) candidates.push(process.env.MLBL_WASM_DIR);
  const pkg = pkgDir();
  if (pkg) candidates.push(path.join(pkg, 'dist'));
  for (const dir of candidates) {
    if (existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm'))) return dir.endsWith(path.sep) ? dir : dir + path.sep;
  }
  return null;
}

/**
 * Threads to use when MLBL_WASM_THREADS is unset: 1. Measured on the 2-core dev machine (shared,
 * load 3-7), 2 XNNPACK threads trained LeNet-5 2-4x slower and MLBL-B 1.4-2x slower than 1: a
 * pthreadpool joins every op, and LeNet-5 runs ~400 small ops per step, so each join waits for a
 * core that someone else holds. Only opt in (MLBL_WASM_THREADS=2) on a machine with idle cores.
 */
export function defaultWasmThreads(): number {
  return 1;
}

function requestedThreads(): number {
  const env = process.env.MLBL_WASM_THREADS;
  if (env === undefined || env === '' || env === 'auto') return defaultWasmThreads();
  const n = Number(env);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 8) : defaultWasmThreads();
}

interface EmscriptenThreadedModule {
  cwrap: (name: string, ret: string | null, args: string[]) => (...a: unknown[]) => unknown;
  PThread?: { unusedWorkers?: { terminate(): unknown }[]; runningWorkers?: { unref?: () => void }[] };
  tfjs?: unknown;
}

/**
 * Instantiates the threaded-SIMD build and registers it as the 'wasm' backend. Returns the thread
 * count in use, or throws.
 */
async function startThreaded(wasm: WasmPkg, binDir: string, threads: number): Promise<number> {
  const pkg = pkgDir();
  if (!pkg) throw new Error('package directory not found');
  const glue = path.join(pkg, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const workerSrcModule = path.join(pkg, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js');
  const binary = path.join(binDir, 'tfjs-backend-wasm-threaded-simd.wasm');
  for (const f of [glue, workerSrcModule, binary]) if (!existsSync(f)) throw new Error(`missing ${f}`);
  const req = createRequire(import.meta.url);
  const { wasmWorkerContents } = req(workerSrcModule) as { wasmWorkerContents: string };
  // The worker script, as tfjs would put it in a Blob ('\n' inside its string literals escaped).
  const source = wasmWorkerContents.replace(/\n/g, '\\n');
  const dir = path.join(os.tmpdir(), `mlbl-tfjs-wasm-${wasm.version_wasm}`);
  const workerFile = path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.cjs');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(workerFile) || readFileSync(workerFile, 'utf8') !== source) {
    const tmp = `${workerFile}.${process.pid}.tmp`;
    writeFileSync(tmp, source);
    renameSync(tmp, workerFile);
  }
  const factory = req(glue) as (cfg: object) => Promise<EmscriptenThreadedModule>;

  // The C++ caps the pool at emscripten_num_logical_cores()/2, read from os.cpus() while the
  // module's static constructors run: widen it for that moment only.
  const realCpus = os.cpus;
  const widened = (): os.CpuInfo[] => {
    const c = realCpus();
    return Array.from({ length: Math.max(c.length, threads * 2) }, (_, i) => c[i % c.length] as os.CpuInfo);
  };
  (os as { cpus: () => os.CpuInfo[] }).cpus = widened;
  let mod: EmscriptenThreadedModule;
  try {
    mod = await factory({
      locateFile: (p: string, prefix: string) => (p.endsWith('.wasm') ? binary : p.endsWith('.worker.js') ? workerFile : prefix + p),
      mainScriptUrlOrBlob: glue,
    });
  } finally {
    (os as { cpus: () => os.CpuInfo[] }).cpus = realCpus;
  }
  mod.tfjs = {
    init: mod.cwrap('init', null, []),
    initWithThreadsCount: mod.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: mod.cwrap('get_threads_count', 'number', []),
    registerTensor: mod.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: mod.cwrap('dispose_data', null, ['number']),
    dispose: mod.cwrap('dispose', null, []),
  };
  wasm.setThreadsCount(threads);
  const backend = new wasm.BackendWasm(mod as unknown as ConstructorParameters<WasmPkg['BackendWasm']>[0]);
  const got = wasm.getThreadsCount();
  // The pool's threads now run; emscripten pre-spawned 8 workers, drop the idle ones, and let
  // the process exit while the pool's workers wait for work.
  for (const w of mod.PThread?.unusedWorkers?.splice(0) ?? []) void w.terminate();
  for (const w of mod.PThread?.runningWorkers ?? []) w.unref?.();
  if (tf.findBackendFactory('wasm')) tf.removeBackend('wasm');
  tf.registerBackend('wasm', () => backend, 2);
  return got;
}

async function init(): Promise<string | null> {
  const dir = wasmBinaryDir();
  if (!dir) return 'the tfjs-backend-wasm .wasm binaries were not found (set MLBL_WASM_DIR)';
  let wasm: WasmPkg;
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (e) {
    return `@tensorflow/tfjs-backend-wasm failed to load: ${e instanceof Error ? e.message : String(e)}`;
  }
  const want = requestedThreads();
  info = { threads: 1 };
  if (want > 1) {
    try {
      const got = await startThreaded(wasm, dir, want);
      info = got === want ? { threads: got } : { threads: got, note: `asked for ${want} threads, XNNPACK runs ${got}` };
    } catch (e) {
      info = { threads: 1, note: `threaded wasm unavailable (${e instanceof Error ? e.message : String(e)}); using 1 thread` };
    }
  }
  if (info.threads <= 1) {
    // The stock single-thread SIMD build (the package registered it as 'wasm' on import).
    try {
      // A plain directory path works in Node: emscripten reads the binary with fs.
      wasm.setWasmPaths(dir);
    } catch (e) {
      // Already initialised by someone else: the paths are then already set.
      if (!/already initialized/i.test(e instanceof Error ? e.message : '')) throw e;
    }
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
