/**
 * Transfer (`init=RUN_ID|DIR`): a new language model starts from an earlier run's word vectors R,
 * context matrices C and word biases b, the vocabularies mapped by word. A word of the new
 * vocabulary that the source also has gets the source's row of R and its bias; a word the source
 * lacks keeps its fresh initialisation (MODELS.md: "R: pretrained word vectors where available,
 * else small random"). C is copied block by block, matched by distance from the predicted word,
 * so a source with another context size still gives the blocks both have. The image path
 * (J, b_j, M, W_fv) always starts fresh. For an MLBL-F target the mapped R is what its factor
 * matrices are cut from (truncated SVD, as the authors' code starts W_fx, W_hf from a pretrained R);
 * an MLBL-F source contributes its R = W_fx W_hf.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Vocab } from '../../shared/vocabulary';
import { readCheckpointMeta, readCheckpointValues, type CheckpointMeta } from './checkpoint';
import { initialValues, type LmConfig } from './model';

const MODEL_JSON = 'model.json';

/**
 * The checkpoint folder `init` names: a checkpoint folder (holding model.json) or a file in one, a
 * run folder (its `checkpoint/`), or a run id: a folder of that name next to `runDir` (the engine
 * runs inside `<data>/runs/<id>`, so a run id resolves within the same runs folder).
 */
export function resolveInitDir(init: string, runDir: string): string {
  const s = init.trim();
  if (!s) throw new Error('init is empty: give a run id or a checkpoint folder');
  const candidates: string[] = [];
  if (/^[A-Za-z0-9_-]+$/.test(s)) candidates.push(path.join(path.dirname(path.resolve(runDir)), s));
  candidates.push(path.resolve(s));
  for (const c of candidates) {
    if (!fs.existsSync(c)) continue;
    const dir = fs.statSync(c).isFile() ? path.dirname(c) : c;
    if (fs.existsSync(path.join(dir, MODEL_JSON))) return dir;
    if (fs.existsSync(path.join(dir, 'checkpoint', MODEL_JSON))) return path.join(dir, 'checkpoint');
    throw new Error(
      `init ${s}: ${dir} is neither a language-model checkpoint folder (no ${MODEL_JSON}) nor a run folder with one (no checkpoint/${MODEL_JSON})`,
    );
  }
  throw new Error(`init ${s}: no such run id, run folder or checkpoint folder (looked in ${candidates.join(' and ')})`);
}

export interface TransferSource {
  config: LmConfig;
  vocab: Vocab;
  values: Map<string, Float32Array>;
  /** Where it came from, for messages. */
  from: string;
}

export function readTransferSource(dir: string): TransferSource {
  const meta: CheckpointMeta = readCheckpointMeta(dir);
  const vocab = Vocab.fromJSON(meta.vocabulary);
  if (vocab.size !== meta.config.V) throw new Error(`init ${dir}: vocabulary has ${vocab.size} words, the model V = ${meta.config.V}`);
  return { config: meta.config, vocab, values: readCheckpointValues(dir, meta), from: dir };
}

/** The source's word matrix [V_src, K]: R itself, or for MLBL-F R = W_fx W_hf (stored Whf [V, F], Wfx [K, F]). */
export function sourceWordMatrix(src: TransferSource): Float32Array {
  const c = src.config;
  if (c.model !== 'mlbl-f') {
    const R = src.values.get('R');
    if (!R) throw new Error(`init ${src.from}: the checkpoint has no word matrix R`);
    return R;
  }
  const Wfx = src.values.get('Wfx');
  const Whf = src.values.get('Whf');
  if (!Wfx || !Whf) throw new Error(`init ${src.from}: the MLBL-F checkpoint lacks Wfx or Whf`);
  const R = new Float32Array(c.V * c.K);
  for (let v = 0; v < c.V; v++) {
    for (let k = 0; k < c.K; k++) {
      let s = 0;
      for (let f = 0; f < c.F; f++) s += (Whf[v * c.F + f] as number) * (Wfx[k * c.F + f] as number);
      R[v * c.K + k] = s;
    }
  }
  return R;
}

export interface TransferReport {
  /** Words of the new vocabulary found in the source (they got its vectors and biases). */
  matched: number;
  words: number;
  /** Context blocks copied (of the new model's n). */
  contextBlocks: number;
  /** A few words the source lacks (fresh vectors). */
  missing: string[];
}

/**
 * Initial values of `config` (vocabulary `vocab`) taken from `src` where the words match, fresh
 * (`initialValues` with `seed`) elsewhere. K must match the source's.
 */
export function transferInitialValues(
  config: LmConfig,
  vocab: Vocab,
  seed: number,
  src: TransferSource,
): { values: Map<string, Float32Array>; report: TransferReport } {
  const s = src.config;
  if (s.K !== config.K) throw new Error(`init ${src.from}: its word vectors have K = ${s.K}, this run has K = ${config.K}; set K=${s.K}`);
  if (vocab.size !== config.V) throw new Error(`transfer: vocabulary has ${vocab.size} words, config V = ${config.V}`);
  const K = config.K;
  const fresh = initialValues({ ...config, model: 'lbl', D: 0, h: 0 }, seed);
  const R = Float32Array.from(fresh.get('R') as Float32Array);
  const b = new Float32Array(config.V);
  const srcR = sourceWordMatrix(src);
  const srcB = src.values.get('b');
  let matched = 0;
  const missing: string[] = [];
  for (let w = 0; w < config.V; w++) {
    const word = vocab.word(w);
    if (!src.vocab.has(word)) {
      if (missing.length < 20) missing.push(word);
      continue;
    }
    const j = src.vocab.id(word);
    R.set(srcR.subarray(j * K, (j + 1) * K), w * K);
    if (srcB) b[w] = srcB[j] as number;
    matched++;
  }
  const values = initialValues(config, seed, R);
  values.set('b', b);
  // C block i (0 = oldest) sits at distance n - i from the predicted word; copy the blocks both have.
  const srcC = src.values.get('C');
  let contextBlocks = 0;
  if (srcC) {
    const C = values.get('C') as Float32Array;
    const blocks = Math.min(config.n, s.n);
    for (let d = 1; d <= blocks; d++) {
      const ti = config.n - d;
      const si = s.n - d;
      C.set(srcC.subarray(si * K * K, (si + 1) * K * K), ti * K * K);
      contextBlocks++;
    }
  }
  return { values, report: { matched, words: config.V, contextBlocks, missing } };
}
