/**
 * The test-mode graph of LBL, MLBL-B and MLBL-F (MODELS.md), defined once as data: the engine's
 * model (src/engine/lm/model.ts `logits`, `imageTerms`) evaluates it with tfjs ops, and the model
 * export (src/main/runs/export-model.ts) writes it as a TF.js layers model, node for layer. Weights
 * are named by the engine's parameters (see paramSpecs there for their shapes):
 *
 *   context [n] (int ids, oldest first) -> embed(R) -> flatten -> dense(C)
 *   image [D] -> dense(J, bj, relu) (absent when h = 0) -> scale(1 - dropout) (absent without
 *                dropout) -> dense(M)
 *   r_hat = add(context term, image term)
 *   LBL, MLBL-B: next_word = dense(R^T, b, softmax)(r_hat)
 *   MLBL-F:      next_word = dense(W_hf^T, b, softmax)(multiply(dense(W_fx)(r_hat), dense(W_fv)(x)))
 *
 * MLBL-F has no R: its context word vectors are rows of W_hf W_fx^T (as the authors' code).
 */
import type { LmModelName } from './lm-spec';

export interface LmConfig {
  model: LmModelName;
  /** Vocabulary size. */
  V: number;
  K: number;
  /** Context size. */
  n: number;
  /** Image feature size (0 for LBL). */
  D: number;
  /** Image hidden size (0 = no hidden layer, x = im). */
  h: number;
  /** MLBL-F factors. */
  F: number;
  /** Dropout probability on x during training (the code's non-inverted dropout: x is scaled at test time). */
  dropout: number;
}

/** A dense kernel [inDim, units]: a parameter as stored, or transposed (stored [units, inDim]). */
export interface LmKernel {
  param: string;
  transposed: boolean;
}

/** An embedding table [V, K]: a parameter's rows, or (MLBL-F) the rows of `param` times `timesTransposed`^T. */
export interface LmTable {
  param: string;
  timesTransposed?: string;
}

export type LmNode =
  | { op: 'input'; name: 'context' | 'image'; size: number; dtype: 'int32' | 'float32' }
  | { op: 'embed'; name: string; from: string; inputDim: number; outputDim: number; length: number; table: LmTable }
  | { op: 'flatten'; name: string; from: string }
  | { op: 'dense'; name: string; from: string; inDim: number; units: number; kernel: LmKernel; bias?: string; activation: 'linear' | 'relu' | 'softmax' }
  /** Multiplication by a constant (test-time dropout). */
  | { op: 'scale'; name: string; from: string; factor: number }
  | { op: 'add' | 'multiply'; name: string; from: [string, string] };

export interface LmGraph {
  nodes: LmNode[];
  inputs: ('context' | 'image')[];
  /** P(next word | context, image): the softmax over the vocabulary. */
  output: string;
  /** The image term added to r_hat ([B, K]) and, for MLBL-F, the image's factor gate ([B, F]): per image, not per word. */
  imageBias: string | null;
  gate: string | null;
}

export function lmGraph(c: LmConfig): LmGraph {
  const nodes: LmNode[] = [];
  const kernel = (param: string, transposed = false): LmKernel => ({ param, transposed });
  nodes.push({ op: 'input', name: 'context', size: c.n, dtype: 'int32' });
  const table: LmTable = c.model === 'mlbl-f' ? { param: 'Whf', timesTransposed: 'Wfx' } : { param: 'R' };
  nodes.push({ op: 'embed', name: 'word_vectors', from: 'context', inputDim: c.V, outputDim: c.K, length: c.n, table });
  nodes.push({ op: 'flatten', name: 'context_flat', from: 'word_vectors' });
  nodes.push({ op: 'dense', name: 'context_matrices', from: 'context_flat', inDim: c.n * c.K, units: c.K, kernel: kernel('C'), activation: 'linear' });
  let rhat = 'context_matrices';
  let x = '';
  let xDim = 0;
  if (c.model !== 'lbl') {
    nodes.push({ op: 'input', name: 'image', size: c.D, dtype: 'float32' });
    x = 'image';
    xDim = c.D;
    if (c.h > 0) {
      nodes.push({ op: 'dense', name: 'image_hidden', from: x, inDim: c.D, units: c.h, kernel: kernel('J'), bias: 'bj', activation: 'relu' });
      x = 'image_hidden';
      xDim = c.h;
    }
    if (c.dropout > 0) {
      nodes.push({ op: 'scale', name: 'image_kept', from: x, factor: 1 - c.dropout });
      x = 'image_kept';
    }
    nodes.push({ op: 'dense', name: 'image_context', from: x, inDim: xDim, units: c.K, kernel: kernel('M'), activation: 'linear' });
    nodes.push({ op: 'add', name: 'r_hat', from: ['context_matrices', 'image_context'] });
    rhat = 'r_hat';
  }
  let gate: string | null = null;
  if (c.model === 'mlbl-f') {
    nodes.push({ op: 'dense', name: 'factors_text', from: rhat, inDim: c.K, units: c.F, kernel: kernel('Wfx'), activation: 'linear' });
    nodes.push({ op: 'dense', name: 'factors_image', from: x, inDim: xDim, units: c.F, kernel: kernel('Wfv'), activation: 'linear' });
    nodes.push({ op: 'multiply', name: 'factor_gate', from: ['factors_text', 'factors_image'] });
    nodes.push({ op: 'dense', name: 'next_word', from: 'factor_gate', inDim: c.F, units: c.V, kernel: kernel('Whf', true), bias: 'b', activation: 'softmax' });
    gate = 'factors_image';
  } else {
    nodes.push({ op: 'dense', name: 'next_word', from: rhat, inDim: c.K, units: c.V, kernel: kernel('R', true), bias: 'b', activation: 'softmax' });
  }
  return {
    nodes,
    inputs: c.model === 'lbl' ? ['context'] : ['context', 'image'],
    output: 'next_word',
    imageBias: c.model === 'lbl' ? null : 'image_context',
    gate,
  };
}
