// Several filters over a multi-channel image (an RGB photo): each filter has one K x K kernel per
// input channel, their cross-correlations are summed, and the filters' maps stack into the output
// volume H' x W' x filters, as a conv2d layer computes it. Pure TypeScript, built on convolve2d so
// the playground's one-map view and this volume view agree cell for cell.
import { ConvolveError, convolve2d, type Conv2dResult, type Grid } from './convolve';
import type { ConvPadding } from './layer-spec';

/** An image of `channels` maps, each height x width, row-major, values in [0, 1]. */
export interface Volume {
  height: number;
  width: number;
  channels: number;
  /** HWC order: values[(r * width + c) * channels + ch]. */
  values: number[];
}

/** Which input channels a filter reads with its kernel: all (the same K x K on each) or one. */
export type FilterChannels = 'all' | number;

export interface VolumeFilter {
  kernel: Grid;
  channels: FilterChannels;
  bias?: number;
}

export interface VolumeResult {
  height: number;
  width: number;
  /** One output map per filter. */
  maps: Conv2dResult[];
  /** K x K x C per filter, as the layer stores them (zeros in the channels a filter does not read count too). */
  weights: number;
  biases: number;
}

/** Channel `ch` of a volume as a map. */
export function channelOf(v: Volume, ch: number): Grid {
  const values = new Array<number>(v.height * v.width);
  for (let i = 0; i < values.length; i++) values[i] = v.values[i * v.channels + ch] ?? 0;
  return { height: v.height, width: v.width, values };
}

/** The output volume of `filters` over `input` (every filter the same kernel size, as in one layer). */
export function convolveVolume(
  input: Volume,
  filters: readonly VolumeFilter[],
  stride: number | [number, number] = 1,
  padding: ConvPadding = 'valid',
): VolumeResult {
  if (filters.length === 0) throw new ConvolveError('add at least one filter');
  const first = filters[0] as VolumeFilter;
  filters.forEach((f, i) => {
    if (f.kernel.height !== first.kernel.height || f.kernel.width !== first.kernel.width)
      throw new ConvolveError(
        `filter ${i + 1} is ${f.kernel.height}x${f.kernel.width}, filter 1 is ${first.kernel.height}x${first.kernel.width}: one layer's filters share a size`,
      );
    if (f.channels !== 'all' && (f.channels < 0 || f.channels >= input.channels))
      throw new ConvolveError(`filter ${i + 1} reads channel ${f.channels + 1}, the image has ${input.channels}`);
  });
  const planes = Array.from({ length: input.channels }, (_, ch) => channelOf(input, ch));
  const maps = filters.map((f) => {
    const used = f.channels === 'all' ? planes : [planes[f.channels] as Grid];
    let sum: Conv2dResult | null = null;
    for (const plane of used) {
      const m = convolve2d(plane, f.kernel, stride, padding);
      if (sum === null) sum = m;
      else for (let i = 0; i < m.values.length; i++) (sum.values[i] as number) += m.values[i] as number;
    }
    const out = sum as Conv2dResult;
    if (f.bias) out.values = out.values.map((v) => v + (f.bias as number));
    return out;
  });
  const m0 = maps[0] as Conv2dResult;
  return {
    height: m0.height,
    width: m0.width,
    maps,
    weights: filters.length * first.kernel.height * first.kernel.width * input.channels,
    biases: filters.length,
  };
}
