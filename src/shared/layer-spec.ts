// Layer-stack spec for ConvNets: one zod schema per layer kind, the stack, and the presets.
// Pure TypeScript: used by the new-run form, the API handlers, the shape inspector
// (conv-shapes.ts) and the engine's model builder (src/engine/models/convnet.ts).
//
// Shapes are per example, without the batch axis: images are [height, width, channels],
// sequences are [length, channels], vectors are [units].
import { z } from 'zod';

const positiveInt = z.number().int().min(1);

/** A side length for 2-D layers: one number for a square window, or [height, width]. */
export const Size2dSchema = z.union([positiveInt, z.tuple([positiveInt, positiveInt])]);
export type Size2d = z.infer<typeof Size2dSchema>;

/**
 * Convolution padding. 'valid': none. 'same': like TensorFlow, output side = ceil(W / S), the
 * zeros split as evenly as possible with the extra one at the bottom/right. A number: that many
 * zeros on each side (P in floor((W - K + 2P) / S) + 1).
 */
export const ConvPaddingSchema = z.union([z.enum(['valid', 'same']), z.number().int().min(0)]);
export type ConvPadding = z.infer<typeof ConvPaddingSchema>;

/** Pooling padding, as TensorFlow: 'valid' (no padding) or 'same' (output side = ceil(W / S)). */
export const PoolPaddingSchema = z.enum(['valid', 'same']);
export type PoolPadding = z.infer<typeof PoolPaddingSchema>;

export const ConvActivationSchema = z.enum(['relu', 'tanh', 'sigmoid', 'linear']);
export type ConvActivation = z.infer<typeof ConvActivationSchema>;

export const DenseActivationSchema = z.enum(['relu', 'tanh', 'sigmoid', 'linear', 'softmax']);
export type DenseActivation = z.infer<typeof DenseActivationSchema>;

/** 2-D convolution over [height, width, channels]. Defaults: stride 1, 'valid', relu, biases on. */
export const Conv2dSchema = z.strictObject({
  type: z.literal('conv2d'),
  filters: positiveInt,
  kernel: Size2dSchema,
  stride: Size2dSchema.default(1),
  padding: ConvPaddingSchema.default('valid'),
  activation: ConvActivationSchema.default('relu'),
  useBias: z.boolean().default(true),
});

/** 1-D convolution over [length, channels]. Same defaults as conv2d. */
export const Conv1dSchema = z.strictObject({
  type: z.literal('conv1d'),
  filters: positiveInt,
  kernel: positiveInt,
  stride: positiveInt.default(1),
  padding: ConvPaddingSchema.default('valid'),
  activation: ConvActivationSchema.default('relu'),
  useBias: z.boolean().default(true),
});

/** 2-D pooling. stride defaults to the window size (non-overlapping windows), padding to 'valid'. */
const pool2dFields = {
  size: Size2dSchema,
  stride: Size2dSchema.optional(),
  padding: PoolPaddingSchema.default('valid'),
};
export const MaxPool2dSchema = z.strictObject({ type: z.literal('maxPool2d'), ...pool2dFields });
export const AvgPool2dSchema = z.strictObject({ type: z.literal('avgPool2d'), ...pool2dFields });

/** 1-D pooling. stride defaults to the window size, padding to 'valid'. */
const pool1dFields = {
  size: positiveInt,
  stride: positiveInt.optional(),
  padding: PoolPaddingSchema.default('valid'),
};
export const MaxPool1dSchema = z.strictObject({ type: z.literal('maxPool1d'), ...pool1dFields });
export const AvgPool1dSchema = z.strictObject({ type: z.literal('avgPool1d'), ...pool1dFields });

/**
 * Fully connected layer over a vector input (put a flatten before it after conv/pool layers).
 * Default activation 'linear': the last layer of a classifier outputs logits and the loss applies
 * the softmax.
 */
export const DenseSchema = z.strictObject({
  type: z.literal('dense'),
  units: positiveInt,
  activation: DenseActivationSchema.default('linear'),
  useBias: z.boolean().default(true),
});

/** Drops a fraction `rate` of activations while training (0 <= rate < 1). */
export const DropoutSchema = z.strictObject({
  type: z.literal('dropout'),
  rate: z.number().min(0).lt(1),
});

export const FlattenSchema = z.strictObject({ type: z.literal('flatten') });

export const LayerSpecSchema = z.discriminatedUnion('type', [
  Conv2dSchema,
  Conv1dSchema,
  MaxPool2dSchema,
  AvgPool2dSchema,
  MaxPool1dSchema,
  AvgPool1dSchema,
  DenseSchema,
  DropoutSchema,
  FlattenSchema,
]);

/** A parsed layer (defaults filled in). */
export type LayerSpec = z.infer<typeof LayerSpecSchema>;
/** A layer as a user or a form may write it (defaulted fields optional). */
export type LayerSpecInput = z.input<typeof LayerSpecSchema>;
export type LayerType = LayerSpec['type'];
export type Conv2dSpec = z.infer<typeof Conv2dSchema>;
export type Conv1dSpec = z.infer<typeof Conv1dSchema>;
export type Pool2dSpec = z.infer<typeof MaxPool2dSchema> | z.infer<typeof AvgPool2dSchema>;
export type Pool1dSpec = z.infer<typeof MaxPool1dSchema> | z.infer<typeof AvgPool1dSchema>;
export type DenseSpec = z.infer<typeof DenseSchema>;
export type DropoutSpec = z.infer<typeof DropoutSchema>;
export type FlattenSpec = z.infer<typeof FlattenSchema>;

export const LAYER_TYPES: readonly LayerType[] = ['conv2d', 'conv1d', 'maxPool2d', 'avgPool2d', 'maxPool1d', 'avgPool1d', 'dense', 'dropout', 'flatten'];

export const MAX_LAYERS = 64;

export const LayerStackSchema = z.array(LayerSpecSchema).max(MAX_LAYERS);
export type LayerStack = z.infer<typeof LayerStackSchema>;
export type LayerStackInput = z.input<typeof LayerStackSchema>;

/** Per-example input shape: [h, w, c] for images, [length, channels] for sequences, [n] for vectors. */
export const InputShapeSchema = z.array(positiveInt).min(1).max(3);

/**
 * Predictable layer names: `${type}_${k}` where k counts layers of that type from 1, in stack order
 * (conv2d_1, avgPool2d_1, conv2d_2, ..., dense_3). The inspector's rows and the tfjs model's layers
 * use the same names.
 */
export function layerNames(stack: readonly { type: LayerType }[]): string[] {
  const counts = new Map<LayerType, number>();
  return stack.map((layer) => {
    const k = (counts.get(layer.type) ?? 0) + 1;
    counts.set(layer.type, k);
    return `${layer.type}_${k}`;
  });
}

/** [h, w] from a number or a pair. */
export function pair(value: Size2d): [number, number] {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}

/**
 * A copy of `stack` whose last dense layer has `units` outputs (e.g. the number of classes of the
 * chosen dataset). Returns the stack unchanged in content if it has no dense layer.
 */
export function withOutputUnits(stack: LayerStack, units: number): LayerStack {
  const out = stack.map((layer) => ({ ...layer }));
  for (let i = out.length - 1; i >= 0; i--) {
    const layer = out[i];
    if (layer?.type === 'dense') {
      out[i] = { ...layer, units };
      break;
    }
  }
  return out;
}

/**
 * LeNet-5 (LeCun et al. 1998) for 28x28x1 MNIST: the 32x32 original's first layer is reproduced
 * by padding the 28x28 input with 2 zeros per side. Average pooling stands in for the original's
 * trainable subsampling; the final layer outputs 10 logits (the softmax is in the loss).
 * 61,706 parameters.
 */
export const LENET5_INPUT_SHAPE: readonly number[] = [28, 28, 1];
export const LENET5: LayerStack = LayerStackSchema.parse([
  { type: 'conv2d', filters: 6, kernel: 5, stride: 1, padding: 2, activation: 'tanh' },
  { type: 'avgPool2d', size: 2, stride: 2 },
  { type: 'conv2d', filters: 16, kernel: 5, stride: 1, padding: 'valid', activation: 'tanh' },
  { type: 'avgPool2d', size: 2, stride: 2 },
  { type: 'flatten' },
  { type: 'dense', units: 120, activation: 'tanh' },
  { type: 'dense', units: 84, activation: 'tanh' },
  { type: 'dense', units: 10, activation: 'linear' },
] satisfies LayerStackInput);

/**
 * A small AlexNet-style net for 64x64 colour images: a large strided first kernel, overlapping
 * 3x3/stride-2 max pooling, three 3x3 convs, two dropout-regularised dense layers, 10 logits
 * (use withOutputUnits for another number of classes). Sized for CPU training.
 */
export const ALEXNET_SMALL_INPUT_SHAPE: readonly number[] = [64, 64, 3];
export const ALEXNET_SMALL: LayerStack = LayerStackSchema.parse([
  { type: 'conv2d', filters: 48, kernel: 7, stride: 2, padding: 3, activation: 'relu' }, // 32x32x48
  { type: 'maxPool2d', size: 3, stride: 2 }, // 15x15x48
  { type: 'conv2d', filters: 96, kernel: 5, stride: 1, padding: 2, activation: 'relu' }, // 15x15x96
  { type: 'maxPool2d', size: 3, stride: 2 }, // 7x7x96
  { type: 'conv2d', filters: 128, kernel: 3, stride: 1, padding: 1, activation: 'relu' }, // 7x7x128
  { type: 'conv2d', filters: 128, kernel: 3, stride: 1, padding: 1, activation: 'relu' }, // 7x7x128
  { type: 'conv2d', filters: 96, kernel: 3, stride: 1, padding: 1, activation: 'relu' }, // 7x7x96
  { type: 'maxPool2d', size: 3, stride: 2 }, // 3x3x96
  { type: 'flatten' }, // 864
  { type: 'dense', units: 512, activation: 'relu' },
  { type: 'dropout', rate: 0.5 },
  { type: 'dense', units: 512, activation: 'relu' },
  { type: 'dropout', rate: 0.5 },
  { type: 'dense', units: 10, activation: 'linear' },
] satisfies LayerStackInput);

/**
 * The measured recipe for photos at 64x64x3 (README: 86.25% on labels-dog.csv from scratch): three
 * 3x3 convs (16, 32, 64, same padding) each followed by max pooling 2, dropout 0.5, dense 64,
 * and a last dense layer sized to the dataset's classes when the run starts (2 here).
 */
export const PHOTO_SMALL_INPUT_SHAPE = [64, 64, 3] as const;
export const PHOTO_SMALL: LayerStack = LayerStackSchema.parse([
  { type: 'conv2d', filters: 16, kernel: 3, stride: 1, padding: 'same', activation: 'relu' }, // 64x64x16
  { type: 'maxPool2d', size: 2 }, // 32x32x16
  { type: 'conv2d', filters: 32, kernel: 3, stride: 1, padding: 'same', activation: 'relu' }, // 32x32x32
  { type: 'maxPool2d', size: 2 }, // 16x16x32
  { type: 'conv2d', filters: 64, kernel: 3, stride: 1, padding: 'same', activation: 'relu' }, // 16x16x64
  { type: 'maxPool2d', size: 2 }, // 8x8x64
  { type: 'flatten' },
  { type: 'dropout', rate: 0.5 },
  { type: 'dense', units: 64, activation: 'relu' },
  { type: 'dense', units: 2, activation: 'linear' },
] satisfies LayerStackInput);

/** "custom": the user designs the stack; starts empty. */
export const CUSTOM: LayerStack = [];

export const PresetIdSchema = z.enum(['lenet5', 'alexnetSmall', 'photoSmall', 'custom']);
export type PresetId = z.infer<typeof PresetIdSchema>;

export interface StackPreset {
  id: PresetId;
  label: string;
  description: string;
  /** The input shape the preset was designed for; null for custom (take it from the dataset). */
  inputShape: readonly number[] | null;
  stack: LayerStack;
}

export const PRESETS: Readonly<Record<PresetId, StackPreset>> = {
  lenet5: {
    id: 'lenet5',
    label: 'LeNet-5',
    description: 'LeCun et al. 1998 on 28x28 grey images (padding 2 on the first conv), 61,706 parameters',
    inputShape: LENET5_INPUT_SHAPE,
    stack: LENET5,
  },
  alexnetSmall: {
    id: 'alexnetSmall',
    label: 'AlexNet-style (small)',
    description: 'Five convs, overlapping max pooling and dropout, for 64x64 colour images',
    inputShape: ALEXNET_SMALL_INPUT_SHAPE,
    stack: ALEXNET_SMALL,
  },
  photoSmall: {
    id: 'photoSmall',
    label: 'Small photo ConvNet',
    description:
      'Three 3x3 convs (16, 32, 64) with max pooling, dropout 0.5, dense 64: the measured recipe for 64x64 colour photos (the last layer sized to the classes)',
    inputShape: PHOTO_SMALL_INPUT_SHAPE,
    stack: PHOTO_SMALL,
  },
  custom: {
    id: 'custom',
    label: 'Custom',
    description: 'Design your own stack',
    inputShape: null,
    stack: CUSTOM,
  },
};
