export { seededRandom, shuffledIndices } from '../shared/random';
