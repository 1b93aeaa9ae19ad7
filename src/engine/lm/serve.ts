/**
 * The engine side of the host's language-model jobs (engine-jobs.ts): evaluation of a checkpoint
 * on a split (perplexity, BLEU-1..4, retrieval both ways), decoding images (dataset rows, files
 * or data URLs; greedy, beam or sampling with temperature and top-k; every word with its
 * probability and top-5 alternatives) and retrieval for one image or one sentence.
 *
 * A warm engine answers many jobs: checkpoints, feature files and extractors are kept loaded and
 * reloaded only when their files change on disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type {
  LmCaptionSplitJob,
  LmCaptionSplitProgress,
  LmCaptionSplitResult,
  LmDecoded,
  LmDecodeJob,
  LmDecodeResult,
  LmEvalJob,
  LmEvalResult,
  LmImageInput,
  LmRankStats,
  LmRetrieveJob,
  LmRetrieveResult,
  LmSource,
} from '../../shared/engine-jobs';
import { tokenize } from '../../shared/tokenize';
import type { Vocab } from '../../shared/vocabulary';
import { decodeImage, featuresOf, loadExtractor, type FeatureExtractor } from '../features/extract';
import { readFeatures, type FeatureMatrix } from '../features/feature-file';
import { seededRandom } from '../../shared/random';
import { loadCheckpoint, type CheckpointMeta } from './checkpoint';
import { buildInstances, excludeImagesOf, groupByImage, readCaptionsCsv, splitByImage, type ImageCaptions } from './data';
import { beamSearch, modelScorer, sampleDecode, type Decoded } from './decode';
import { DEFAULT_NO_REPEAT_NGRAM, bleuOnImages, captionBeamOptions, captionImage, captionImageScores, perplexity, retrieval, type RankStats } from './evaluate';
import type { LmModel } from './model';

interface Loaded {
  stamp: string;
  model: LmModel;
  vocab: Vocab;
  meta: CheckpointMeta;
}

const checkpoints = new Map<string, Loaded>();
const matrices = new Map<string, { stamp: string; fm: FeatureMatrix }>();
const extractors = new Map<string, Promise<FeatureExtractor>>();

function stampOf(file: string): string {
  const st = fs.statSync(file);
  return `${st.size}:${st.mtimeMs}`;
}

/** The checkpoint in `dir`, loaded once and again only when its model.json changes (a running run overwrites its best checkpoint). */
export function checkpointAt(dir: string): Loaded {
  const file = path.join(dir, 'model.json');
  if (!fs.existsSync(file)) throw new Error(`no language-model checkpoint in ${dir}`);
  const stamp = stampOf(file);
  const old = checkpoints.get(dir);
  if (old && old.stamp === stamp) return old;
  const { model, vocab, meta } = loadCheckpoint(dir);
  if (old) old.model.dispose();
  checkpoints.delete(dir);
  // Keep at most three checkpoints on the device.
  while (checkpoints.size >= 3) {
    const [k, v] = checkpoints.entries().next().value as [string, Loaded];
    v.model.dispose();
    checkpoints.delete(k);
  }
  const loaded = { stamp, model, vocab, meta };
  checkpoints.set(dir, loaded);
  return loaded;
}

function featureMatrix(header: string): FeatureMatrix {
  const stamp = stampOf(header);
  const old = matrices.get(header);
  if (old && old.stamp === stamp) return old.fm;
  const fm = readFeatures(header);
  matrices.set(header, { stamp, fm });
  return fm;
}

function extractorOf(ck: Loaded): Promise<FeatureExtractor> {
  const f = ck.meta.features;
  if (!f) throw new Error('the checkpoint does not record its feature extractor, so it cannot caption new images');
  const key = `${f.model}\n${f.layer}\n${f.input.scale}\n${f.input.offset}`;
  let ex = extractors.get(key);
  if (!ex) {
    ex = loadExtractor(f.model, { layer: f.layer, scale: f.input.scale, offset: f.input.offset });
    extractors.set(key, ex);
    ex.catch(() => extractors.delete(key));
  }
  return ex;
}

/** Checks that a feature file was made by the checkpoint's extractor. */
function checkFeatureFile(ck: Loaded, fm: FeatureMatrix, header: string): void {
  const D = ck.model.config.D;
  if (fm.header.dim !== D) throw new Error(`${header} holds ${fm.header.dim}-d features; the model expects ${D}`);
  const f = ck.meta.features;
  if (f && (path.resolve(f.model) !== path.resolve(fm.header.model) || f.layer !== fm.header.layer)) {
    throw new Error(`${header} was made by ${fm.header.model} layer ${fm.header.layer}; the checkpoint was trained on ${f.model} layer ${f.layer}`);
  }
}

function rowOf(fm: FeatureMatrix, key: string): Float32Array | null {
  const r = fm.rowOf.get(key) ?? fm.rowOf.get(path.basename(key));
  if (r === undefined) return null;
  const D = fm.header.dim;
  return fm.data.slice(r * D, (r + 1) * D);
}

/** Bytes of a `data:` URL. */
export function dataUrlBytes(url: string): Buffer {
  const m = /^data:([^,]*?)(;base64)?,/.exec(url.slice(0, 300));
  if (!m) throw new Error('image: expected a data URL (data:image/...;base64,...)');
  const body = url.slice(m[0].length);
  const bytes = m[2] ? Buffer.from(body, 'base64') : Buffer.from(decodeURIComponent(body), 'latin1');
  if (bytes.length === 0) throw new Error('image: the data URL holds no bytes');
  return bytes;
}

/** The image features of one input (null for LBL). */
async function featureOf(ck: Loaded, input: LmImageInput): Promise<Float32Array | null> {
  if (!ck.model.hasImage) return null;
  if ('features' in input) {
    const fm = featureMatrix(input.features);
    checkFeatureFile(ck, fm, input.features);
    const row = rowOf(fm, input.key);
    if (row) return row;
    if (!input.file) throw new Error(`${input.key} has no row in ${input.features}`);
    return featureOf(ck, { file: input.file });
  }
  const ex = await extractorOf(ck);
  if (ex.dim !== ck.model.config.D) throw new Error(`the extractor gives ${ex.dim}-d features, the model expects ${ck.model.config.D}`);
  let img;
  try {
    img = await decodeImage('file' in input ? path.resolve(input.file) : dataUrlBytes(input.dataUrl), ex.channels);
  } catch (e) {
    throw new Error(`${'file' in input ? input.file : 'image'}: cannot decode it as an image (${(e as Error).message})`, { cause: e });
  }
  return featuresOf(ex, [img]);
}

function toDecoded(vocab: Vocab, d: Decoded, method: LmDecoded['method']): LmDecoded {
  return {
    text: vocab.decode(d.ids).join(' '),
    logProb: d.logProb,
    method,
    words: d.words.map((w) => ({ word: vocab.word(w.id), p: w.p, top: w.top.map((a) => ({ word: vocab.word(a.id), p: a.p })) })),
  };
}

export async function runDecodeJob(job: LmDecodeJob): Promise<LmDecodeResult> {
  const ck = checkpointAt(job.checkpointDir);
  const { model, vocab } = ck;
  const rand = seededRandom(job.seed);
  const captions: LmDecoded[] = [];
  for (const input of job.images) {
    const feat = await featureOf(ck, input);
    const scorer = modelScorer(model, feat, { startId: vocab.start, endId: vocab.end });
    try {
      if (job.method === 'sample')
        captions.push(
          toDecoded(
            vocab,
            sampleDecode(scorer, {
              maxLength: job.maxLength,
              temperature: job.temperature,
              topK: job.topK,
              rand,
              forbid: [vocab.start, vocab.unk],
              noRepeatNgram: DEFAULT_NO_REPEAT_NGRAM,
            }),
            'sample',
          ),
        );
      else {
        const k = job.method === 'greedy' ? 1 : job.beam;
        const d = beamSearch(scorer, captionBeamOptions(vocab, { beam: k, maxLength: job.maxLength }))[0] as Decoded;
        captions.push(toDecoded(vocab, d, job.method));
      }
    } finally {
      scorer.dispose();
    }
  }
  return { captions };
}

interface Resolved {
  images: ImageCaptions[];
  rows: Float32Array[] | null;
  missing: number;
  refs: number[];
}

/** The source's images with features (images without are dropped), in source order; `refs[i]` = index of images[i] in the source. */
async function resolveSource(ck: Loaded, source: LmSource): Promise<Resolved> {
  const hasImage = ck.model.hasImage;
  if (hasImage && !source.features) throw new Error(`${ck.model.config.model} needs image features: no feature file for this source`);
  const fm = hasImage && source.features ? featureMatrix(source.features) : null;
  if (fm && source.features) checkFeatureFile(ck, fm, source.features);
  let list: ImageCaptions[];
  if (source.kind === 'csv') {
    // The run's own split, exactly as prepareData draws it (images without features first left out).
    let all = groupByImage(readCaptionsCsv(source.captions));
    if (source.excludeImagesOf) all = excludeImagesOf(all, source.excludeImagesOf).kept;
    if (fm) all = all.filter((im) => fm.rowOf.has(im.image) || fm.rowOf.has(path.basename(im.image)));
    const s = splitByImage(all, source.seed, source.validationFraction, source.testFraction);
    list = source.split === 'all' ? [...s.train, ...s.validation, ...s.test] : s[source.split];
  } else {
    list = source.images.map((r) => ({ image: r.key, captions: r.captions, tokens: r.captions.map(tokenize) }));
  }
  const images: ImageCaptions[] = [];
  const rows: Float32Array[] = [];
  const refs: number[] = [];
  let missing = 0;
  list.forEach((im, i) => {
    if (fm) {
      const row = rowOf(fm, im.image);
      if (!row) {
        missing++;
        return;
      }
      rows.push(row);
    }
    images.push(im);
    refs.push(i);
  });
  return { images, rows: fm ? rows : null, missing, refs };
}

function stack(rows: Float32Array[], D: number): tf.Tensor2D {
  const flat = new Float32Array(rows.length * D);
  rows.forEach((r, i) => flat.set(r, i * D));
  return tf.tensor2d(flat, [rows.length, D]);
}

const ranks = (r: RankStats): LmRankStats => ({ r1: r.r1, r5: r.r5, r10: r.r10, medr: r.medianRank, queries: r.queries });

export async function runEvalJob(job: LmEvalJob, progress: (p: { phase: string }) => void = () => {}): Promise<LmEvalResult> {
  const t0 = performance.now();
  const ck = checkpointAt(job.checkpointDir);
  const { model, vocab, meta } = ck;
  const src = await resolveSource(ck, job.source);
  if (src.images.length === 0) throw new Error(`no image of the split has ${model.hasImage ? 'features' : 'captions'}`);
  const inst = buildInstances(src.images, vocab, model.config.n);
  const features = src.rows ? stack(src.rows, model.config.D) : null;
  try {
    progress({ phase: 'perplexity' });
    const ppl = perplexity(model, inst, features);
    progress({ phase: 'bleu' });
    const b = await bleuOnImages(model, vocab, src.images, src.rows, { beam: job.beam, maxLength: job.maxLength }, () => new Promise((r) => setImmediate(r)));
    let ret: LmEvalResult['retrieval'] = null;
    if (model.hasImage && features) {
      progress({ phase: 'retrieval' });
      if (!meta.meanImage) throw new Error('the checkpoint has no mean image (needed to rank captions for an image)');
      const mean = tf.tensor2d(Float32Array.from(meta.meanImage), [1, meta.meanImage.length]);
      try {
        const r = retrieval(model, inst, features, mean);
        ret = { textToImage: ranks(r.textToImage), imageToText: ranks(r.imageToText) };
      } finally {
        mean.dispose();
      }
    }
    const bl = b.bleu;
    return {
      perplexity: ppl.perplexity,
      words: ppl.words,
      images: src.images.length,
      captions: inst.captionCount,
      missingFeatures: src.missing,
      bleu: [bl[0] ?? 0, bl[1] ?? 0, bl[2] ?? 0, bl[3] ?? 0],
      beam: job.beam,
      retrieval: ret,
      checkpoint: { epoch: meta.epoch, step: meta.step, model: meta.config.model },
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    features?.dispose();
  }
}

export async function runRetrieveJob(job: LmRetrieveJob): Promise<LmRetrieveResult> {
  const ck = checkpointAt(job.checkpointDir);
  const { model, vocab, meta } = ck;
  if (!model.hasImage) throw new Error('retrieval ranks by perplexity given an image: an LBL model has no image path');
  const src = await resolveSource(ck, job.source);
  if (src.images.length === 0) throw new Error('no image of the split has features');
  const D = model.config.D;
  const n = model.config.n;
  if ('image' in job.query) {
    // Image -> text: every caption of the split, by PPL(c | image) / PPL(c | mean image).
    if (!meta.meanImage) throw new Error('the checkpoint has no mean image');
    const q = (await featureOf(ck, job.query.image)) as Float32Array;
    const inst = buildInstances(src.images, vocab, n);
    const both = stack([q, Float32Array.from(meta.meanImage)], D);
    let S: Float64Array;
    try {
      S = captionImageScores(model, inst, both);
    } finally {
      both.dispose();
    }
    const within: number[] = [];
    const seen = new Map<number, number>();
    for (let c = 0; c < inst.captionCount; c++) {
      const im = inst.captionImage[c] as number;
      const k = seen.get(im) ?? 0;
      within.push(k);
      seen.set(im, k + 1);
    }
    const scored = Array.from({ length: inst.captionCount }, (_, c) => ({
      c,
      score: Math.exp(-((S[c * 2] as number) - (S[c * 2 + 1] as number)) / (inst.captionLength[c] as number)),
    }));
    scored.sort((a, b) => a.score - b.score || a.c - b.c);
    return {
      hits: scored
        .slice(0, job.limit)
        .map((h) => ({ image: src.refs[inst.captionImage[h.c] as number] as number, caption: within[h.c] as number, score: h.score })),
      candidates: inst.captionCount,
      missingFeatures: src.missing,
    };
  }
  // Text -> image: the sentence's perplexity given each image of the split.
  const sentence = job.query.sentence;
  const inst = buildInstances([{ image: 'query', captions: [sentence], tokens: [tokenize(sentence)] }], vocab, n);
  const all = stack(src.rows as Float32Array[], D);
  let S: Float64Array;
  try {
    S = captionImageScores(model, inst, all);
  } finally {
    all.dispose();
  }
  const len = inst.captionLength[0] as number;
  const scored = Array.from({ length: src.images.length }, (_, j) => ({ j, score: Math.exp(-(S[j] as number) / len) }));
  scored.sort((a, b) => a.score - b.score || a.j - b.j);
  return {
    hits: scored.slice(0, job.limit).map((h) => ({ image: src.refs[h.j] as number, score: h.score })),
    candidates: src.images.length,
    missingFeatures: src.missing,
  };
}

/** Progress of a caption split goes out at most this often (and at the start and end): the host shows it as the export's phase. */
const CAPTION_PROGRESS_MS = 200;

export async function runCaptionSplitJob(job: LmCaptionSplitJob, progress: (p: LmCaptionSplitProgress) => void = () => {}): Promise<LmCaptionSplitResult> {
  const ck = checkpointAt(job.checkpointDir);
  const { model, vocab } = ck;
  const src = await resolveSource(ck, job.source);
  const total = src.images.length;
  const captions: LmCaptionSplitResult['captions'] = [];
  progress({ done: 0, total });
  let sentAt = performance.now();
  for (let i = 0; i < total; i++) {
    const d = captionImage(model, vocab, src.rows ? (src.rows[i] as Float32Array) : null, { beam: job.beam, maxLength: job.maxLength });
    captions.push({ index: src.refs[i] as number, image: (src.images[i] as ImageCaptions).image, text: vocab.decode(d.ids).join(' '), logProb: d.logProb });
    const now = performance.now();
    if (i === total - 1 || now - sentAt >= CAPTION_PROGRESS_MS) {
      progress({ done: i + 1, total });
      sentAt = now;
    }
    if (i % 16 === 15) await new Promise((r) => setImmediate(r));
  }
  return { captions, missingFeatures: src.missing };
}
