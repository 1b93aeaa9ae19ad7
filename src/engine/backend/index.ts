/**
 * Backend selection: `tensorflow` (tfjs-node, when installed) > `wasm` (with the project's own
 * training kernels) > `cpu`. See DESIGN.md "Backends".
 */
import * as tf from '@tensorflow/tfjs';
import { initWasmBackend, wasmInfo } from './wasm';

export { wasmInfo, type WasmInfo } from './wasm';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export interface BackendChoice {
  backend: BackendName;
  skipped: { backend: BackendName; reason: string }[];
}

export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export function isBackendName(s: unknown): s is BackendName {
  return s === 'tensorflow' || s === 'wasm' || s === 'cpu';
}

/** Injection points, for tests and for hosts that load tfjs-node some other way. */
export interface SelectBackendDeps {
  /** Loads @tensorflow/tfjs-node (which registers the 'tensorflow' backend); rejects when absent. */
  loadTfjsNode?: () => Promise<unknown>;
  /** Environment to read MLBL_BACKEND from (default process.env). */
  env?: Record<string, string | undefined>;
}

// Kept in a variable so that TypeScript and bundlers do not try to resolve the optional package.
const TFJS_NODE = '@tensorflow/tfjs-node';
const defaultLoadTfjsNode = (): Promise<unknown> => import(/* @vite-ignore */ TFJS_NODE);

function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] ?? e.message;
  if (typeof e === 'object' && e !== null && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}

async function tryTensorflow(deps: SelectBackendDeps): Promise<string | null> {
  try {
    await (deps.loadTfjsNode ?? defaultLoadTfjsNode)();
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      return '@tensorflow/tfjs-node is not installed (its libtensorflow download is unavailable here)';
    }
    return `@tensorflow/tfjs-node failed to load: ${errorMessage(e)}`;
  }
  if (tf.findBackendFactory('tensorflow') == null) {
    return '@tensorflow/tfjs-node loaded but registered no "tensorflow" backend with this copy of @tensorflow/tfjs';
  }
  return activate('tensorflow');
}

async function activate(name: BackendName): Promise<string | null> {
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return `tf.setBackend('${name}') failed to initialise the backend`;
    await tf.ready();
    if (tf.getBackend() !== name) return `tf.getBackend() is '${tf.getBackend()}' after setBackend('${name}')`;
    return null;
  } catch (e) {
    return `initialising ${name} threw: ${errorMessage(e)}`;
  }
}

async function tryBackend(name: BackendName, deps: SelectBackendDeps, log: (msg: string) => void): Promise<string | null> {
  switch (name) {
    case 'tensorflow':
      return tryTensorflow(deps);
    case 'wasm': {
      const reason = await initWasmBackend();
      if (reason) return reason;
      const r = await activate('wasm');
      const wi = wasmInfo();
      if (r === null && wi.note) log(`backend: wasm: ${wi.note}`);
      return r;
    }
    case 'cpu':
      return activate('cpu');
  }
}

/**
 * Selects and initialises the compute backend with explicit dependencies (see `selectBackend`).
 */
export async function selectBackendWith(
  requested: 'auto' | BackendName = 'auto',
  log: (msg: string) => void = () => {},
  deps: SelectBackendDeps = {},
): Promise<BackendChoice> {
  const env = deps.env ?? process.env;
  let want: 'auto' | BackendName = requested;
  if (want === 'auto') {
    const fromEnv = env.MLBL_BACKEND?.trim();
    if (fromEnv && fromEnv !== 'auto') {
      if (isBackendName(fromEnv)) {
        want = fromEnv;
        log(`backend: MLBL_BACKEND=${fromEnv} overrides 'auto'`);
      } else {
        log(`backend: ignoring MLBL_BACKEND=${fromEnv} (expected auto, tensorflow, wasm or cpu)`);
      }
    }
  }
  // An explicit request starts the order at that backend and still falls back down the order.
  const start = want === 'auto' ? 0 : BACKEND_ORDER.indexOf(want);
  const candidates = BACKEND_ORDER.slice(start);
  const skipped: BackendChoice['skipped'] = [];
  for (const name of candidates) {
    const reason = await tryBackend(name, deps, log);
    if (reason === null) return { backend: name, skipped };
    skipped.push({ backend: name, reason });
    log(`backend: skipped ${name}: ${reason}`);
  }
  throw new Error(`no tfjs backend could be initialised: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}

/** requested: 'auto' | BackendName; env MLBL_BACKEND overrides 'auto'. Loads/initialises tfjs, registers our wasm kernels, calls tf.setBackend and tf.ready, logs each skipped backend with the reason through `log`. */
export async function selectBackend(requested?: 'auto' | BackendName, log?: (msg: string) => void): Promise<BackendChoice> {
  return selectBackendWith(requested ?? 'auto', log ?? (() => {}));
}
