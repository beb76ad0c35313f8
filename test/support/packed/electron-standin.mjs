// The `electron` module as the PACKED app sees it, for loading dist/main/index.js from an extracted
// app.asar under plain Node (the Electron binary cannot be had here). It behaves as Electron 45 does
// for a packaged app (docs/api/app.md, docs/api/process.md):
//   app.isPackaged = true; app.getAppPath() = <resources>/app.asar; process.resourcesPath = <resources>
//   (set by register.mjs); app.getPath('userData') = %APPDATA%\<productName> (here: a temp folder);
//   app.exit(code) ends the process with that code; whenReady() resolves once.
// The test drives it over Node's IPC channel (process.send), playing the renderer: `invoke` calls the
// handler main registered with ipcMain.handle, with a sender that is the trusted window's webContents
// and frame app://bundle/index.html (as the preload's ipcRenderer.invoke would); `fetch` calls main's
// app:// protocol handler; events main sends to the window come back as `event` messages.
// Plain JavaScript on purpose: it runs without tsx, copied beside the packed files.
import { EventEmitter } from 'node:events';
import path from 'node:path';

const env = process.env;
const send = (m) => process.send?.(m);
const resourcesPath = process.resourcesPath;
const paths = {
  userData: env.QATRACK_STANDIN_USERDATA,
  appData: path.dirname(env.QATRACK_STANDIN_USERDATA),
  documents: env.QATRACK_STANDIN_DOCUMENTS,
  temp: env.TMPDIR ?? '/tmp',
};

class App extends EventEmitter {
  isPackaged = true;
  #ready;
  #resolveReady;
  constructor() {
    super();
    this.#ready = new Promise((r) => (this.#resolveReady = r));
    setImmediate(() => {
      this.#resolveReady();
      this.emit('ready');
    });
  }
  getAppPath() {
    return path.join(resourcesPath, 'app.asar');
  }
  getName() {
    return 'QATrack+ Installer';
  }
  getPath(name) {
    if (!(name in paths)) throw new Error(`electron stand-in: no path ${name}`);
    return paths[name];
  }
  setPath(name, value) {
    paths[name] = value;
    send({ type: 'setPath', name, value });
  }
  whenReady() {
    return this.#ready;
  }
  requestSingleInstanceLock() {
    return env.QATRACK_STANDIN_SECOND_INSTANCE !== '1';
  }
  enableSandbox() {}
  disableHardwareAcceleration() {}
  quit() {
    send({ type: 'quit' });
    setImmediate(() => process.exit(0));
  }
  exit(code = 0) {
    // Electron's app.exit ends at once with the code (docs/api/app.md).
    process.exitCode = code;
    if (process.send) process.send({ type: 'exit', code }, () => process.exit(code));
    else process.exit(code);
  }
}
export const app = new App();

const handlers = new Map();
export const ipcMain = {
  handle(channel, fn) {
    handlers.set(channel, fn);
  },
};

let protocolHandler;
export const protocol = {
  registerSchemesAsPrivileged(schemes) {
    send({ type: 'schemes', schemes });
  },
  handle(scheme, fn) {
    protocolHandler = fn;
  },
};

export const session = {
  defaultSession: Object.assign(new EventEmitter(), {
    setPermissionRequestHandler() {},
    setPermissionCheckHandler() {},
    setDevicePermissionHandler() {},
  }),
};

export const shell = {
  openPath: () => Promise.resolve(''),
  openExternal: () => Promise.resolve(),
};

export const dialog = {
  showSaveDialog: (o) =>
    Promise.resolve({ canceled: false, filePath: path.join(paths.documents, path.basename(o.defaultPath)) }),
  showMessageBox: (_w, o) => {
    send({ type: 'dialog', message: o.message, detail: o.detail });
    return Promise.resolve({ response: 1 });
  },
  showErrorBox: (title, content) => send({ type: 'errorBox', title, content }),
};

let nextId = 1;
const windows = [];
let windowCreated;
const firstWindow = new Promise((r) => (windowCreated = r));
class WebContents extends EventEmitter {
  id = nextId++;
  send(channel, payload) {
    send({ type: 'event', channel, payload });
  }
  setWindowOpenHandler() {}
}

export class BrowserWindow extends EventEmitter {
  #visible = false;
  #destroyed = false;
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new WebContents();
    app.emit('web-contents-created', {}, this.webContents);
    windows.push(this);
    windowCreated(this);
    send({ type: 'window', preload: options.webPreferences?.preload, show: options.show });
  }
  async loadURL(url) {
    this.url = url;
    // What the renderer would fetch first: the page, through main's own app:// handler.
    const page = protocolHandler ? await protocolHandler(new Request(url)) : undefined;
    send({ type: 'loaded', url, status: page?.status ?? 0 });
    setImmediate(() => this.emit('ready-to-show'));
  }
  show() {
    this.#visible = true;
    send({ type: 'shown' });
  }
  focus() {}
  restore() {}
  isMinimized() {
    return false;
  }
  isVisible() {
    return this.#visible;
  }
  isDestroyed() {
    return this.#destroyed;
  }
}

process.on('message', async (m) => {
  if (m.type === 'invoke') {
    // A page can only call once its window exists (the preload runs in it).
    const win = await firstWindow;
    const fn = handlers.get(m.channel);
    const event = {
      sender: { id: win?.webContents.id ?? -1 },
      senderFrame: { url: win?.url ?? '', parent: null },
    };
    const value = fn ? await fn(event, m.request) : { ok: false, error: { code: 'NO_HANDLER' } };
    send({ type: 'result', id: m.id, value });
  } else if (m.type === 'fetch') {
    const r = await protocolHandler(new Request(m.url));
    const text = await r.text();
    send({
      type: 'result',
      id: m.id,
      value: { status: r.status, contentType: r.headers.get('content-type'), length: text.length, text },
    });
  } else if (m.type === 'second-instance') {
    app.emit('second-instance', {}, m.argv ?? [], '');
    send({ type: 'result', id: m.id, value: true });
  }
});
