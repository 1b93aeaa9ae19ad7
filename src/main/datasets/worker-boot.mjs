// Starts the dataset import worker from its TypeScript source (development and tests): tsx is
// registered inside the worker thread, then the worker module is loaded.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
