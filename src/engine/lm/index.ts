/** The language-model engine: LBL, MLBL-B, MLBL-F (MODELS.md), their training, evaluation and decoding. */
export { trainLanguageModel, prepareData, evaluateSplit, modelConfig, type LmData, type TrainLmResult } from './train';
export { LmModel, paramSpecs, initialValues, type LmConfig } from './model';
export { KirosSgd, Adam, momentumAt, type Optimizer } from './optim';
export { beamSearch, greedyDecode, sampleDecode, modelScorer, type Decoded, type DecodedWord, type StepScorer } from './decode';
export { perplexity, retrieval, bleuOnImages, captionImage, sampleCaption, captionImageScores, rankStats } from './evaluate';
export { saveCheckpoint, loadCheckpoint, readCheckpointMeta, readCheckpointValues, type CheckpointMeta } from './checkpoint';
export { captionFiles, type FileCaption } from './caption';
export { readCaptionsCsv, groupByImage, splitByImage, buildInstances } from './data';
