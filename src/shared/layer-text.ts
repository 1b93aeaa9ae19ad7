/**
 * A layer stack typed as text, as in lecture notes: `conv 5x5x5 s1 p0; pool 2; flatten; dense 10`.
 * Used by `mlbl inspect --layers` (and `--set stack=` accepts JSON or a preset id instead).
 * Pure TypeScript; every error names the layer (1-based) and the word it could not read.
 *
 *   conv KxKxF | conv KhxKwxF   [sN] [pN | same | valid] [relu|tanh|sigmoid|linear] [nobias]
 *   conv1d KxF                  [sN] [pN | same | valid] [activation] [nobias]
 *   pool N | maxpool N | avgpool N  [sN] [same | valid]        (2-D; pool1d/maxpool1d/avgpool1d N for 1-D)
 *   dense N [relu|tanh|sigmoid|linear|softmax] [nobias]
 *   dropout R
 *   flatten
 */
import { LayerSpecSchema, type LayerSpec, type LayerStack } from './layer-spec';

const ACTIVATIONS = new Set(['relu', 'tanh', 'sigmoid', 'linear', 'softmax']);

function layerFrom(words: string[], where: string): Record<string, unknown> {
  const [head = '', ...rest] = words;
  const kind = head.toLowerCase();
  const num = (w: string, what: string): number => {
    const n = Number(w);
    if (!Number.isFinite(n)) throw new Error(`${where}: ${what} ${JSON.stringify(w)} is not a number`);
    return n;
  };
  const options = (o: Record<string, unknown>, allowPadNumber: boolean): Record<string, unknown> => {
    for (const w0 of rest.slice(1)) {
      const w = w0.toLowerCase();
      if (/^s\d+$/.test(w)) o.stride = num(w.slice(1), 'stride');
      else if (/^p\d+$/.test(w) && allowPadNumber) o.padding = num(w.slice(1), 'padding');
      else if (w === 'same' || w === 'valid') o.padding = w;
      else if (ACTIVATIONS.has(w) && 'activation' in o) o.activation = w;
      else if (w === 'nobias' && 'activation' in o) o.useBias = false;
      else
        throw new Error(
          `${where}: cannot read ${JSON.stringify(w0)} (expected sN, ${allowPadNumber ? 'pN, ' : ''}same, valid${'activation' in o ? ', an activation or nobias' : ''})`,
        );
    }
    return o;
  };
  const first = rest[0];
  switch (kind) {
    case 'conv':
    case 'conv2d': {
      const m = first ? /^(\d+)x(\d+)(?:x(\d+))?$/i.exec(first) : null;
      if (!m) throw new Error(`${where}: conv needs KxKxF (kernel and filters, e.g. 5x5x6), got ${JSON.stringify(first ?? '')}`);
      const [kh, kw, f] = m[3] === undefined ? [Number(m[1]), Number(m[1]), Number(m[2])] : [Number(m[1]), Number(m[2]), Number(m[3])];
      return options({ type: 'conv2d', filters: f, kernel: kh === kw ? kh : [kh, kw], activation: 'relu' }, true);
    }
    case 'conv1d': {
      const m = first ? /^(\d+)x(\d+)$/i.exec(first) : null;
      if (!m) throw new Error(`${where}: conv1d needs KxF (kernel and filters, e.g. 3x16), got ${JSON.stringify(first ?? '')}`);
      return options({ type: 'conv1d', kernel: Number(m[1]), filters: Number(m[2]), activation: 'relu' }, true);
    }
    case 'pool':
    case 'maxpool':
    case 'avgpool':
    case 'pool1d':
    case 'maxpool1d':
    case 'avgpool1d': {
      if (!first) throw new Error(`${where}: ${kind} needs a window size, e.g. ${kind} 2`);
      const oneD = kind.endsWith('1d');
      const avg = kind.startsWith('avg');
      const m = /^(\d+)(?:x(\d+))?$/.exec(first);
      if (!m || (oneD && m[2] !== undefined)) throw new Error(`${where}: cannot read the window ${JSON.stringify(first)}`);
      const size = m[2] === undefined || m[1] === m[2] ? Number(m[1]) : [Number(m[1]), Number(m[2])];
      const o = options({ type: `${avg ? 'avg' : 'max'}Pool${oneD ? '1d' : '2d'}`, size }, false);
      return o;
    }
    case 'dense':
    case 'fc': {
      if (!first) throw new Error(`${where}: dense needs a number of units, e.g. dense 10`);
      const o: Record<string, unknown> = { type: 'dense', units: num(first, 'units'), activation: 'linear' };
      for (const w0 of rest.slice(1)) {
        const w = w0.toLowerCase();
        if (ACTIVATIONS.has(w)) o.activation = w;
        else if (w === 'nobias') o.useBias = false;
        else throw new Error(`${where}: cannot read ${JSON.stringify(w0)} (expected an activation or nobias)`);
      }
      return o;
    }
    case 'dropout':
      if (!first) throw new Error(`${where}: dropout needs a rate, e.g. dropout 0.5`);
      return { type: 'dropout', rate: num(first, 'rate') };
    case 'flatten':
      if (rest.length) throw new Error(`${where}: flatten takes nothing after it`);
      return { type: 'flatten' };
    default:
      throw new Error(`${where}: unknown layer ${JSON.stringify(head)} (conv, conv1d, pool, maxpool, avgpool, dense, dropout, flatten)`);
  }
}

/** The stack the text describes (layers separated by `;` or new lines). */
export function parseLayersText(text: string): LayerStack {
  const parts = text
    .split(/[;\n]/)
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new Error('no layers: give them as e.g. "conv 5x5x5 s1 p0; pool 2; flatten; dense 10"');
  return parts.map((p, i) => {
    const where = `layer ${i + 1} (${p})`;
    const raw = layerFrom(p.split(/\s+/), where);
    const r = LayerSpecSchema.safeParse(raw);
    if (!r.success) throw new Error(`${where}: ${r.error.issues.map((x) => `${x.path.join('.') || 'layer'} ${x.message}`).join('; ')}`);
    return r.data as LayerSpec;
  });
}
