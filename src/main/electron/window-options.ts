/**
 * Everything index.ts configures in Electron, as plain functions over the objects Electron hands
 * it: the window's constructor options, the session (permissions, CSP header), the guards on
 * every web contents (navigation, window.open, webviews) and the IPC handler with its sender
 * check. index.ts calls exactly these, so window-options.test.ts checks the real configuration
 * although the Electron binary cannot run here. Only type imports from 'electron' (this module
 * loads without Electron).
 */
import type {
  BrowserWindowConstructorOptions,
  HandlerDetails,
  IpcMainInvokeEvent,
  OnHeadersReceivedListenerDetails,
  WindowOpenHandlerResponse,
} from 'electron';
import { toWireError, type IpcReply } from '../../shared/api-wire';
import type { Dispatch } from '../api-handlers';
import { isTrustedRendererUrl, RENDERER_CSP, secureWebPreferences } from './security';

/**
 * The one window's options: hidden until ready, at the remembered bounds, with the secure
 * webPreferences; dev tools only when not packaged.
 */
export function windowOptions(
  preload: string,
  o: { bounds?: { x?: number; y?: number; width: number; height: number }; devTools?: boolean } = {},
): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 860,
    ...o.bounds,
    minWidth: 640,
    minHeight: 480,
    title: 'MLBL Workbench',
    show: false,
    webPreferences: { ...secureWebPreferences(preload), devTools: o.devTools ?? true },
  };
}

/** The part of Electron's Session that index.ts configures. */
export interface SessionLike {
  setPermissionRequestHandler(handler: (wc: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler?(handler: (wc: unknown, permission: string) => boolean): void;
  webRequest: {
    onHeadersReceived(
      listener: (
        details: Pick<OnHeadersReceivedListenerDetails, 'responseHeaders' | 'url'>,
        callback: (response: { responseHeaders?: Record<string, string[] | string> }) => void,
      ) => void,
    ): void;
  };
}

/** No permission is ever granted (camera, notifications, ...), and every response carries the renderer's CSP. */
export function secureSession(session: SessionLike, csp = RENDERER_CSP): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler?.(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers: Record<string, string[] | string> = {};
    // Drop any CSP a response brought along (whatever its case): ours is the only one.
    for (const [k, v] of Object.entries(details.responseHeaders ?? {})) if (k.toLowerCase() !== 'content-security-policy') headers[k] = v;
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [csp] } });
  });
}

/** The part of Electron's WebContents that index.ts guards. */
export interface WebContentsLike {
  setWindowOpenHandler(handler: (details: Pick<HandlerDetails, 'url'>) => WindowOpenHandlerResponse): void;
  on(event: 'will-navigate' | 'will-redirect' | 'will-attach-webview', listener: (event: { preventDefault(): void }, url?: string) => void): unknown;
}

/**
 * Guards every web contents: window.open never opens a window (https links go to the system
 * browser), navigation and redirects away from the app page are blocked, webviews are refused.
 */
export function guardWebContents(contents: WebContentsLike, rendererUrl: string, openExternal: (url: string) => void): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//i.test(url)) openExternal(url);
    return { action: 'deny' };
  });
  const stayHome = (event: { preventDefault(): void }, url?: string): void => {
    if (!isTrustedRendererUrl(url, rendererUrl)) event.preventDefault();
  };
  contents.on('will-navigate', stayHome);
  contents.on('will-redirect', stayHome);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

export type { IpcReply };

/**
 * The `api.call` IPC handler: a call from any frame that is not the app's own page (a sub-frame
 * or a navigated-away page) is refused before it reaches the API; the rest is validated and
 * dispatched exactly as over the WebSocket.
 */
export function ipcApiHandler(dispatch: () => Dispatch, rendererUrl: string) {
  return async (event: Pick<IpcMainInvokeEvent, 'senderFrame'>, method: unknown, input: unknown): Promise<IpcReply> => {
    const url = event.senderFrame?.url;
    if (!isTrustedRendererUrl(url, rendererUrl))
      return { ok: false, error: { code: 'bad_request', message: `IPC from an untrusted frame (${url ?? 'no frame'})` } };
    try {
      return { ok: true, result: await dispatch()(String(method), input) };
    } catch (e) {
      return { ok: false, error: toWireError(e) };
    }
  };
}
