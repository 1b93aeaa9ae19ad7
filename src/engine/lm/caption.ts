/**
 * Captions for image files on disk from a trained checkpoint: features are extracted on the fly
 * with the checkpoint's own extractor (model, layer and preprocessing recorded at training time),
 * then decoded by beam search (beam 1 = greedy) or by sampling.
 */
import path from 'node:path';
import { decodeImage, featuresOf, loadExtractor, type FeatureExtractor } from '../features/extract';
import { seededRandom } from '../../shared/random';
import { loadCheckpoint } from './checkpoint';
import { captionImage, sampleCaption } from './evaluate';
import type { Decoded } from './decode';

export interface CaptionFileOptions {
  /** Beam width (default 3); ignored when temperature is set. */
  beam?: number;
  /** Sample at this temperature instead of beam search. */
  temperature?: number;
  maxLength?: number;
  seed?: number;
  /** Use this extractor instead of loading the checkpoint's (must produce the same features). */
  extractor?: FeatureExtractor;
}

export interface FileCaption {
  file: string;
  text: string;
  words: { word: string; p: number; top: { word: string; p: number }[] }[];
  logProb: number;
  method: 'beam' | 'greedy' | 'sample';
}

export async function captionFiles(checkpointDir: string, files: string[], o: CaptionFileOptions = {}): Promise<FileCaption[]> {
  const { model, vocab, meta } = loadCheckpoint(checkpointDir);
  let ex: FeatureExtractor | null = o.extractor ?? null;
  const ownExtractor = !ex && model.hasImage;
  try {
    if (model.hasImage && !ex) {
      if (!meta.features) throw new Error(`${checkpointDir}: the checkpoint does not record its feature extractor`);
      ex = await loadExtractor(meta.features.model, { layer: meta.features.layer, scale: meta.features.input.scale, offset: meta.features.input.offset });
    }
    if (ex && ex.dim !== model.config.D) throw new Error(`extractor gives ${ex.dim}-d features, the model expects ${model.config.D}`);
    const rand = seededRandom(o.seed ?? 1);
    const maxLength = o.maxLength ?? 20;
    const out: FileCaption[] = [];
    for (const file of files) {
      const feat = ex ? featuresOf(ex, [await decodeImage(path.resolve(file))]) : null;
      let d: Decoded;
      let method: FileCaption['method'];
      if (o.temperature !== undefined) {
        d = sampleCaption(model, vocab, feat, { maxLength, temperature: o.temperature, rand });
        method = 'sample';
      } else {
        const beam = o.beam ?? 3;
        d = captionImage(model, vocab, feat, { beam, maxLength });
        method = beam > 1 ? 'beam' : 'greedy';
      }
      out.push({
        file,
        text: vocab.decode(d.ids).join(' '),
        logProb: d.logProb,
        method,
        words: d.words.map((w) => ({ word: vocab.word(w.id), p: w.p, top: w.top.map((a) => ({ word: vocab.word(a.id), p: a.p })) })),
      });
    }
    return out;
  } finally {
    if (ownExtractor) ex?.dispose();
    model.dispose();
  }
}
