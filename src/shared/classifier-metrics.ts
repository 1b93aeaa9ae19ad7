/**
 * Classifier evaluation and prediction: per-class precision, recall and F1 from a confusion
 * matrix, the mapping of another dataset's labels onto a run's by name, and the shapes of what
 * `runs.evalClassifier` and `runs.predict` answer. Pure TypeScript.
 */
import { z } from 'zod';

export interface ClassScores {
  label: string;
  /** Images of this class (row sum). */
  support: number;
  /** Images predicted as this class (column sum). */
  predicted: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Precision, recall and F1 per class from `matrix[true][predicted]`; 0 where undefined (no support or no prediction). */
export function perClassScores(matrix: number[][], labels: string[]): ClassScores[] {
  const k = labels.length;
  const colSum = new Array<number>(k).fill(0);
  for (const row of matrix) for (let j = 0; j < k; j++) colSum[j] = (colSum[j] as number) + (row[j] ?? 0);
  return labels.map((label, i) => {
    const row = matrix[i] ?? [];
    const support = row.reduce((a, b) => a + b, 0);
    const tp = row[i] ?? 0;
    const predicted = colSum[i] as number;
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, support, predicted, precision, recall, f1 };
  });
}

/**
 * For each class of `from` (another dataset's labels), its index among `to` (the run's labels),
 * matched by name (trimmed, case-insensitive), or -1.
 */
export function mapLabelsByName(from: readonly string[], to: readonly string[]): number[] {
  const index = new Map(to.map((l, i) => [l.trim().toLowerCase(), i]));
  return from.map((l) => index.get(l.trim().toLowerCase()) ?? -1);
}

export const EvalSplit = z.enum(['train', 'validation', 'test', 'all']);
export type EvalSplit = z.infer<typeof EvalSplit>;

/** A misclassified image of an evaluation. */
export interface Mistake {
  /** Position in the evaluated list. */
  index: number;
  /** The dataset item (for thumbnails and links), when the images came from a dataset. */
  itemId: number | null;
  path: string;
  truth: string;
  predicted: string;
  /** Probability of the predicted class. */
  confidence: number;
}

export interface ClassifierEvaluation {
  runId: string;
  checkpoint: { artefactId: number; epoch: number };
  dataset: string;
  split: EvalSplit;
  count: number;
  accuracy: number;
  loss: number;
  labels: string[];
  /** confusion[true][predicted] over the run's labels. */
  confusion: number[][];
  per_class: ClassScores[];
  /** Images whose class the run does not know (label names not among the run's), left out. */
  unmapped: number;
  /** Images that could not be decoded, left out. */
  failed: number;
  /** The most confident mistakes first (at most 200). */
  mistakes: Mistake[];
}

export interface Prediction {
  file: string;
  top: { label: string; probability: number }[];
  /**
   * Which pixels drove the top prediction: |d logit / d input|, max over channels, normalised to
   * [0,1]; h*w values row-major at the model's input size.
   */
  saliency: { height: number; width: number; values: number[] } | null;
  error?: string;
}
