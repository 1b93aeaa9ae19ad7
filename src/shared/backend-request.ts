import { z } from 'zod';

/** Where the engine may run; 'auto' picks tensorflow > wasm > cpu (MLBL_BACKEND overrides). */
export const BackendRequest = z.enum(['auto', 'tensorflow', 'wasm', 'cpu']);
export type BackendRequest = z.infer<typeof BackendRequest>;
