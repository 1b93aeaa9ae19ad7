/**
 * Exposes exactly the Api of src/shared/api.ts to the page, nothing else. A sandboxed preload may
 * require only electron, events, timers and url: so it imports values only from api-wire.ts (no
 * zod), and preload.test.ts loads the built bundle with nothing else available.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { Api, EventName, Events, MethodInput, MethodName, MethodOutput } from '../shared/api';
import { ApiError, EVENT_NAMES, type IpcReply } from '../shared/api-wire';

const api: Api = {
  async call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
    const r = (await ipcRenderer.invoke('api.call', method, input)) as IpcReply;
    if (!r.ok) throw new ApiError(r.error.code, r.error.message);
    return r.result as MethodOutput<M>;
  },
  on<E extends EventName>(event: E, handler: (payload: Events[E]) => void): () => void {
    if (!(EVENT_NAMES as readonly string[]).includes(event)) throw new Error(`unknown event ${event}`);
    const listener = (_e: IpcRendererEvent, name: string, payload: unknown): void => {
      if (name === event) handler(payload as Events[E]);
    };
    ipcRenderer.on('api.event', listener);
    return () => {
      ipcRenderer.off('api.event', listener);
    };
  },
};

contextBridge.exposeInMainWorld('mlbl', api);
