/**
 * The layer-stack editor's model: every layer as the strings the user typed (a "draft"), parsed
 * with the shared zod schema (layer-spec.ts) into per-field messages naming the field, and the
 * parsed prefix of the stack run through the shape inspector (conv-shapes.ts) on every keystroke.
 * Pure: the form component renders what these functions return.
 */
import { checkStack, shapeToString, type LayerShapeInfo, type StackTotals } from '../../../shared/conv-shapes';
import { CONVNET_DATASETS, type ConvNetDatasetName } from '../../../shared/convnet-spec';
import { humanize } from '../../ui/form/zod-messages';
import { LAYER_TYPES, LayerSpecSchema, layerNames, pair, type LayerSpec, type LayerStack, type LayerType } from '../../../shared/layer-spec';

export type PaddingMode = 'valid' | 'same' | 'zeros';

/** One layer as typed. Fields a layer type does not use are kept (switching the type back restores them). */
export interface LayerDraft {
  /** Stable key for React and for focus; never shown. */
  id: number;
  type: LayerType;
  filters: string;
  /** "5" or "5x3" (height x width) for 2-D layers. */
  kernel: string;
  /** Conv: "1" or "2x1". Pooling: empty = the pool size. */
  stride: string;
  paddingMode: PaddingMode;
  /** Zeros per side when paddingMode is 'zeros'. */
  paddingZeros: string;
  activation: string;
  /** Pool window, "2" or "3x2". */
  size: string;
  units: string;
  rate: string;
}

export type DraftField = 'filters' | 'kernel' | 'stride' | 'padding' | 'activation' | 'size' | 'units' | 'rate';
export type DraftErrors = Partial<Record<DraftField, string>>;

export const DRAFT_FIELD_LABELS: Record<DraftField, string> = {
  filters: 'Filters',
  kernel: 'Kernel',
  stride: 'Stride',
  padding: 'Padding',
  activation: 'Activation',
  size: 'Pool size',
  units: 'Units',
  rate: 'Rate',
};

/** The fields each layer type shows, in order. */
export const FIELDS_BY_TYPE: Record<LayerType, readonly DraftField[]> = {
  conv2d: ['filters', 'kernel', 'stride', 'padding', 'activation'],
  conv1d: ['filters', 'kernel', 'stride', 'padding', 'activation'],
  maxPool2d: ['size', 'stride', 'padding'],
  avgPool2d: ['size', 'stride', 'padding'],
  maxPool1d: ['size', 'stride', 'padding'],
  avgPool1d: ['size', 'stride', 'padding'],
  dense: ['units', 'activation'],
  dropout: ['rate'],
  flatten: [],
};

export const LAYER_TYPE_LABELS: Record<LayerType, string> = {
  conv2d: 'Conv 2-D',
  conv1d: 'Conv 1-D',
  maxPool2d: 'Max pool 2-D',
  avgPool2d: 'Average pool 2-D',
  maxPool1d: 'Max pool 1-D',
  avgPool1d: 'Average pool 1-D',
  dense: 'Dense',
  dropout: 'Dropout',
  flatten: 'Flatten',
};

export const CONV_ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'linear'] as const;
export const DENSE_ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'linear', 'softmax'] as const;

export const isConv = (t: LayerType): boolean => t === 'conv2d' || t === 'conv1d';
export const isPool = (t: LayerType): boolean => t === 'maxPool2d' || t === 'avgPool2d' || t === 'maxPool1d' || t === 'avgPool1d';
export const is2d = (t: LayerType): boolean => t === 'conv2d' || t === 'maxPool2d' || t === 'avgPool2d';

const BLANK: Omit<LayerDraft, 'id' | 'type'> = {
  filters: '8',
  kernel: '3',
  stride: '1',
  paddingMode: 'valid',
  paddingZeros: '1',
  activation: 'relu',
  size: '2',
  units: '10',
  rate: '0.5',
};

/** A new layer of `type` with usable defaults (a 3x3 conv of 8 relu filters, a 2x2 pool, 10 units, rate 0.5). */
export function newDraft(type: LayerType, id: number): LayerDraft {
  const d: LayerDraft = { ...BLANK, id, type };
  if (isPool(type)) d.stride = '';
  if (type === 'dense') d.activation = 'linear';
  return d;
}

/** Changes a draft's type, keeping what carries over and fixing what does not (pool padding, activations). */
export function retype(d: LayerDraft, type: LayerType): LayerDraft {
  const next: LayerDraft = { ...d, type };
  if (isPool(type) && next.paddingMode === 'zeros') next.paddingMode = 'valid';
  if (isConv(type) && next.activation === 'softmax') next.activation = 'relu';
  if (!is2d(type)) {
    // 1-D layers take one number: keep the first of "5x3".
    next.kernel = firstOf(next.kernel);
    next.stride = firstOf(next.stride);
    next.size = firstOf(next.size);
  }
  if (isConv(type) && next.stride.trim() === '') next.stride = '1';
  return next;
}

function firstOf(s: string): string {
  return s.split(/\s*[x×,]\s*/i)[0] ?? s;
}

const sizeText = (v: number | [number, number]): string => {
  const [h, w] = pair(v);
  return h === w ? String(h) : `${h}x${w}`;
};

/** The draft of a parsed layer (a preset's, or a run's). */
export function draftFromLayer(layer: LayerSpec, id: number): LayerDraft {
  const d = newDraft(layer.type, id);
  switch (layer.type) {
    case 'conv2d':
    case 'conv1d':
      d.filters = String(layer.filters);
      d.kernel = sizeText(layer.kernel);
      d.stride = sizeText(layer.stride);
      if (typeof layer.padding === 'number') {
        d.paddingMode = 'zeros';
        d.paddingZeros = String(layer.padding);
      } else {
        d.paddingMode = layer.padding;
      }
      d.activation = layer.activation;
      break;
    case 'maxPool2d':
    case 'avgPool2d':
    case 'maxPool1d':
    case 'avgPool1d':
      d.size = sizeText(layer.size);
      d.stride = layer.stride === undefined ? '' : sizeText(layer.stride);
      d.paddingMode = layer.padding;
      break;
    case 'dense':
      d.units = String(layer.units);
      d.activation = layer.activation;
      break;
    case 'dropout':
      d.rate = String(layer.rate);
      break;
    case 'flatten':
      break;
  }
  return d;
}

/** A number as typed: '' -> undefined (zod says it is required), junk -> NaN (zod says it is not a number). */
export function num(s: string): number | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : NaN;
}

/** "5" -> 5, "5x3" / "5×3" / "5,3" -> [5, 3]. */
export function size2d(s: string): number | [number, number] | undefined {
  const parts = s.trim().split(/\s*[x×,]\s*/i);
  if (parts.length === 2) return [num(parts[0] as string) ?? NaN, num(parts[1] as string) ?? NaN];
  return num(s);
}

/** What the form hands the shared schema for a draft. */
export function draftToInput(d: LayerDraft): Record<string, unknown> {
  const two = is2d(d.type);
  const size = two ? size2d : num;
  const padding = d.paddingMode === 'zeros' ? (num(d.paddingZeros) ?? NaN) : d.paddingMode;
  switch (d.type) {
    case 'conv2d':
    case 'conv1d':
      return { type: d.type, filters: num(d.filters), kernel: size(d.kernel), stride: size(d.stride), padding, activation: d.activation };
    case 'maxPool2d':
    case 'avgPool2d':
    case 'maxPool1d':
    case 'avgPool1d': {
      const out: Record<string, unknown> = { type: d.type, size: size(d.size), padding };
      if (d.stride.trim() !== '') out.stride = size(d.stride);
      return out;
    }
    case 'dense':
      return { type: d.type, units: num(d.units), activation: d.activation };
    case 'dropout':
      return { type: d.type, rate: num(d.rate) };
    case 'flatten':
      return { type: d.type };
  }
}

type Issue = { path: PropertyKey[]; message: string; code?: string; errors?: { message: string }[][] };

/** A union's "Invalid input" says nothing: take the message of its first alternative (the single number). */
function issueMessage(issue: Issue): string {
  if (issue.code === 'invalid_union') return issue.errors?.[0]?.[0]?.message ?? issue.message;
  return issue.message;
}

function fieldOf(issue: Issue): DraftField | null {
  const key = issue.path[0];
  if (
    key === 'filters' ||
    key === 'kernel' ||
    key === 'stride' ||
    key === 'padding' ||
    key === 'activation' ||
    key === 'size' ||
    key === 'units' ||
    key === 'rate'
  )
    return key;
  return null;
}

export type ParsedDraft = { ok: true; layer: LayerSpec } | { ok: false; errors: DraftErrors };

/** Parses one draft with the shared schema; each message starts with the field's label ("Filters: must be at least 1"). */
export function parseDraft(d: LayerDraft): ParsedDraft {
  const parsed = LayerSpecSchema.safeParse(draftToInput(d));
  if (parsed.success) return { ok: true, layer: parsed.data };
  const errors: DraftErrors = {};
  for (const issue of parsed.error.issues) {
    const field = fieldOf(issue) ?? 'filters';
    if (errors[field]) continue;
    const axis = issue.path.length > 1 && is2d(d.type) ? (issue.path[1] === 0 ? ' height' : ' width') : '';
    errors[field] = `${DRAFT_FIELD_LABELS[field]}${axis}: ${humanize(issueMessage(issue as Issue))}`;
  }
  return { ok: false, errors };
}

/** One row of the editor and the inspector. */
export interface RowReport {
  id: number;
  index: number;
  /** conv2d_1, dense_2, ... as in the built model. */
  name: string;
  type: LayerType;
  fieldErrors: DraftErrors;
  /** The inspector's numbers, when this layer and every one before it are valid. */
  info: LayerShapeInfo | null;
  /** The inspector's error for this layer (kernel larger than its padded input, wrong rank, ...). */
  shapeError: string | null;
  /** True when an earlier row's problem keeps this one from being inspected. */
  blocked: boolean;
}

export interface StackReport {
  inputShape: number[];
  rows: RowReport[];
  /** The whole stack, parsed, when every row parses (it may still be impossible: see `problem`). */
  stack: LayerStack | null;
  /** Totals over the inspected rows. */
  totals: StackTotals;
  outputShape: number[] | null;
  /**
   * Why the stack cannot be trained on the dataset, naming the layer: a field error, an
   * impossible layer, or an output that is not one score per class. null when it can.
   */
  problem: { layerIndex: number | null; message: string } | null;
}

/** Parses every draft and inspects the longest valid prefix on `inputShape`. */
export function inspectDrafts(inputShape: readonly number[], drafts: readonly LayerDraft[], classes: number | null = null): StackReport {
  const names = layerNames(drafts);
  const parsed = drafts.map(parseDraft);
  const firstBad = parsed.findIndex((p) => !p.ok);
  const prefixEnd = firstBad === -1 ? drafts.length : firstBad;
  const prefix = parsed.slice(0, prefixEnd).map((p) => (p as { layer: LayerSpec }).layer);
  const check = checkStack(inputShape, prefix);
  const infos = check.ok ? check.inspection.layers : check.layers;
  const shapeErrorAt = check.ok ? -1 : (check.error.layerIndex ?? -1);
  const rows: RowReport[] = drafts.map((d, index) => {
    const p = parsed[index] as ParsedDraft;
    const shapeError = index === shapeErrorAt && !check.ok ? check.error.message.replace(/^layer \d+ \([^)]*\): /, '') : null;
    return {
      id: d.id,
      index,
      name: names[index] ?? `${d.type}_?`,
      type: d.type,
      fieldErrors: p.ok ? {} : p.errors,
      info: infos[index] ?? null,
      shapeError,
      blocked: index > prefixEnd || (shapeErrorAt >= 0 && index > shapeErrorAt),
    };
  });
  const totals: StackTotals = { weights: 0, biases: 0, params: 0, multiplyAdds: 0 };
  for (const info of infos) {
    totals.weights += info.weights;
    totals.biases += info.biases;
    totals.params += info.params;
    totals.multiplyAdds += info.multiplyAdds;
  }
  const stack = firstBad === -1 ? prefix : null;
  let problem: StackReport['problem'] = null;
  let outputShape: number[] | null = null;
  if (firstBad !== -1) {
    const errs = (parsed[firstBad] as { errors: DraftErrors }).errors;
    const first = Object.values(errs)[0] ?? 'invalid';
    const d = drafts[firstBad] as LayerDraft;
    problem = { layerIndex: firstBad, message: `layer ${firstBad + 1} (${d.type}): ${lowerFirst(first)}` };
  } else if (!check.ok) {
    problem = { layerIndex: check.error.layerIndex, message: check.error.message };
  } else {
    outputShape = check.inspection.outputShape;
    if (drafts.length === 0) {
      problem = { layerIndex: null, message: 'the stack is empty: add layers, or start from a preset' };
    } else if (classes !== null && (outputShape.length !== 1 || outputShape[0] !== classes)) {
      problem = {
        layerIndex: null,
        message: `the stack's output is ${shapeToString(outputShape)}, but the dataset needs ${classes} class scores: end with flatten and a dense layer of ${classes} units`,
      };
    }
  }
  return { inputShape: [...inputShape], rows, stack, totals, outputShape, problem };
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** The stack of a dataset's input, checked for its classes. */
export function inspectForDataset(dataset: ConvNetDatasetName, drafts: readonly LayerDraft[]): StackReport {
  const d = CONVNET_DATASETS[dataset];
  return inspectDrafts(d.inputShape, drafts, d.classes);
}

export function moveDraft<T>(list: readonly T[], index: number, delta: number): T[] {
  const to = index + delta;
  if (index < 0 || index >= list.length || to < 0 || to >= list.length) return [...list];
  const out = [...list];
  const [item] = out.splice(index, 1);
  out.splice(to, 0, item as T);
  return out;
}

export function removeDraft<T>(list: readonly T[], index: number): T[] {
  return list.filter((_, i) => i !== index);
}

export function insertDraft<T>(list: readonly T[], index: number, item: T): T[] {
  const out = [...list];
  out.splice(Math.max(0, Math.min(index, out.length)), 0, item);
  return out;
}

/** Layer types offered by the "add layer" control, in the order of the schema. */
export const ADDABLE_TYPES: readonly LayerType[] = LAYER_TYPES;

/** True when two parsed stacks are the same layers with the same settings. */
export function sameStack(a: LayerStack, b: LayerStack): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
