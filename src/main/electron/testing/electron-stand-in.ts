/**
 * A stand-in for the `electron` module, for tests of the BUILT main bundle (out/main/index.js). It
 * replaces only the Electron binary, which cannot run here (its download host is unreachable and
 * there is no display): everything the bundle starts is real. utilityProcess.fork starts a real
 * Node child process (child_process.fork, with `process.parentPort` given by parent-port-shim.mjs),
 * so the host process, SQLite and engines are the real ones. The rest records what the bundle did
 * (window options, session handlers, protocol handlers, the menu, notifications, IPC handlers) so
 * tests can assert on it and call into it as Electron would.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const shim = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'parent-port-shim.mjs')).href;

type Handler = (...args: unknown[]) => unknown;
interface MenuItem {
  id?: string;
  label?: string;
  role?: string;
  type?: string;
  submenu?: MenuItem[];
  click?: (item: { checked: boolean }) => void;
  checked?: boolean;
}

/** Everything the bundle did, for the test to read; `userData` and `isPackaged` are set before import. */
export const recorded = {
  userData: '',
  isPackaged: false,
  quit: 0,
  sandbox: false,
  privilegedSchemes: [] as unknown[],
  protocolHandlers: new Map<string, (req: { url: string; method?: string }) => Promise<Response>>(),
  ipcHandlers: new Map<string, Handler>(),
  windows: [] as StandInWindow[],
  menu: null as MenuItem[] | null,
  notifications: [] as { title: string; body: string }[],
  errorBoxes: [] as string[],
  messageBoxes: [] as { detail?: string }[],
  openDialogAnswers: [] as { canceled: boolean; filePaths: string[] }[],
  forks: [] as { modulePath: string; name?: string; child: StandInUtility }[],
  session: { permission: null as Handler | null, check: null as Handler | null, headers: null as Handler | null },
  opened: [] as string[],
};

export const app = Object.assign(new EventEmitter(), {
  get isPackaged() {
    return recorded.isPackaged;
  },
  enableSandbox: () => {
    recorded.sandbox = true;
  },
  whenReady: () => new Promise<void>((r) => setImmediate(r)),
  getPath: (name: string) => {
    if (name !== 'userData') throw new Error(`stand-in app.getPath(${name}) not implemented`);
    return recorded.userData;
  },
  getVersion: () => '0.1.0',
  requestSingleInstanceLock: () => true,
  // As Electron: before-quit first, and a listener may prevent the quit.
  quit: () => {
    let prevented = false;
    app.emit('before-quit', {
      preventDefault: () => {
        prevented = true;
      },
    });
    if (!prevented) recorded.quit++;
  },
});

class StandInWebContents extends EventEmitter {
  sent: [string, ...unknown[]][] = [];
  scripts: string[] = [];
  reloads = 0;
  windowOpen: Handler | null = null;
  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
  }
  executeJavaScript(code: string): Promise<unknown> {
    this.scripts.push(code);
    return Promise.resolve(undefined);
  }
  reload(): void {
    this.reloads++;
  }
  setWindowOpenHandler(h: Handler): void {
    this.windowOpen = h;
  }
}

export class StandInWindow extends EventEmitter {
  readonly webContents = new StandInWebContents();
  url = '';
  progress: number[] = [];
  destroyed = false;
  constructor(readonly options: Record<string, unknown>) {
    super();
    recorded.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  loadURL(url: string): Promise<void> {
    this.url = url;
    setImmediate(() => this.emit('ready-to-show'));
    return Promise.resolve();
  }
  focused = 0;
  show(): void {}
  focus(): void {
    this.focused++;
  }
  maximize(): void {}
  restore(): void {}
  isMinimized(): boolean {
    return false;
  }
  isMaximized(): boolean {
    return false;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  getNormalBounds() {
    return { x: 10, y: 20, width: Number(this.options.width), height: Number(this.options.height) };
  }
  setProgressBar(p: number): void {
    this.progress.push(p);
  }
}
export { StandInWindow as BrowserWindow };

export const ipcMain = {
  handle: (channel: string, h: Handler) => {
    recorded.ipcHandlers.set(channel, h);
  },
};

/** A utility process: a real Node child process with Electron's message API over it. */
class StandInUtility extends EventEmitter {
  constructor(private readonly child: ChildProcess) {
    super();
    child.on('message', (m) => this.emit('message', m));
    child.on('exit', (code, signal) => this.emit('exit', code ?? (signal ? 1 : 0)));
  }
  // Undefined once the process ended, as Electron's: by exit code or by signal.
  get pid(): number | undefined {
    return this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }
  get stderr() {
    return this.child.stderr;
  }
  postMessage(m: unknown): void {
    if (this.child.connected) this.child.send(m as never);
  }
  kill(): boolean {
    return this.child.kill('SIGTERM');
  }
}

export const utilityProcess = {
  fork(
    modulePath: string,
    args: string[] = [],
    o: { env?: NodeJS.ProcessEnv; serviceName?: string; stdio?: 'pipe' | 'inherit' | 'ignore' | ('pipe' | 'inherit' | 'ignore')[] } = {},
  ) {
    type Io = 'pipe' | 'inherit' | 'ignore';
    const io: Io[] = typeof o.stdio === 'string' ? ['ignore', o.stdio, o.stdio] : (o.stdio ?? ['ignore', 'inherit', 'inherit']);
    const child = fork(modulePath, args, {
      env: o.env ?? process.env,
      execArgv: ['--import', shim],
      stdio: ['ignore', io[1] ?? 'inherit', io[2] ?? 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    const u = new StandInUtility(child);
    recorded.forks.push({ modulePath, name: o.serviceName, child: u });
    return u;
  },
};

export const protocol = {
  registerSchemesAsPrivileged: (s: unknown[]) => {
    recorded.privilegedSchemes.push(...s);
  },
  handle: (scheme: string, h: (req: { url: string; method?: string }) => Promise<Response>) => {
    recorded.protocolHandlers.set(scheme, h);
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler: (h: Handler) => {
      recorded.session.permission = h;
    },
    setPermissionCheckHandler: (h: Handler) => {
      recorded.session.check = h;
    },
    webRequest: {
      onHeadersReceived: (h: Handler) => {
        recorded.session.headers = h;
      },
    },
  },
};

export const dialog = {
  showOpenDialog: async () => recorded.openDialogAnswers.shift() ?? { canceled: true, filePaths: [] },
  showSaveDialog: async () => ({ canceled: true }),
  showErrorBox: (_title: string, text: string) => {
    recorded.errorBoxes.push(text);
  },
  showMessageBox: async (...a: unknown[]) => {
    recorded.messageBoxes.push(a[a.length - 1] as { detail?: string });
    return { response: 0 };
  },
};

export const Menu = {
  buildFromTemplate: (template: MenuItem[]) => ({ template }),
  setApplicationMenu: (m: { template: MenuItem[] }) => {
    recorded.menu = m.template;
  },
};

export class Notification {
  static isSupported(): boolean {
    return true;
  }
  constructor(private readonly o: { title: string; body: string }) {}
  show(): void {
    recorded.notifications.push(this.o);
  }
}

export const shell = {
  openExternal: async (u: string) => {
    recorded.opened.push(u);
  },
  openPath: async (p: string) => {
    recorded.opened.push(p);
    return '';
  },
};

export const screen = { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] };

/** Calls an ipcMain.handle handler as Electron does, from a frame at `frameUrl` (null: no frame). */
export function invoke(channel: string, frameUrl: string | null, ...args: unknown[]): Promise<unknown> {
  const h = recorded.ipcHandlers.get(channel);
  if (!h) throw new Error(`no ipcMain handler for ${channel}`);
  return Promise.resolve(h({ senderFrame: frameUrl === null ? null : { url: frameUrl } }, ...args));
}
