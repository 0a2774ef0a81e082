/**
 * The only stand-in when the Electron main bundle is loaded under Node (test/dist/electron.test.ts):
 * Electron's API, recording what the app asks of it. Everything else in the bundle's module graph is
 * real: the bundle, node_modules' better-sqlite3, the engine, the workspace on disk.
 */
const { EventEmitter } = require('node:events');

const recorded = { ipcHandlers: new Map(), protocolHandlers: new Map(), windows: [], errors: [], sent: [], exitCode: null, privileged: [] };

class FakeWebContents extends EventEmitter {
  constructor() {
    super();
    this.url = '';
    this.mainFrame = { url: '', parent: null, processId: 1, routingId: 1 };
  }
  setWindowOpenHandler() {}
  getURL() {
    return this.url;
  }
  send(channel, payload) {
    recorded.sent.push({ channel, payload });
  }
}

class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new FakeWebContents();
    this.destroyed = false;
    recorded.windows.push(this);
  }
  static getAllWindows() {
    return recorded.windows.filter((w) => !w.destroyed);
  }
  loadURL(url) {
    this.webContents.url = url;
    this.webContents.mainFrame.url = url;
    app.emit('web-contents-created', {}, this.webContents);
    return Promise.resolve();
  }
  isDestroyed() {
    return this.destroyed;
  }
  isMinimized() {
    return false;
  }
  show() {}
  focus() {}
  restore() {}
}

const app = Object.assign(new EventEmitter(), {
  isPackaged: false,
  ready: false,
  enableSandbox() {},
  setName() {},
  setAppUserModelId() {},
  requestSingleInstanceLock: () => true,
  whenReady() {
    app.ready = true;
    return Promise.resolve();
  },
  isReady: () => app.ready,
  quit() {
    app.emit('will-quit');
  },
  exit(code = 0) {
    recorded.exitCode = code;
    app.emit('fake-exit', code);
  },
  getPath: () => require('node:os').tmpdir(),
});

module.exports = {
  __recorded: recorded,
  app,
  BrowserWindow,
  ipcMain: {
    handle: (channel, fn) => recorded.ipcHandlers.set(channel, fn),
    removeHandler: (channel) => recorded.ipcHandlers.delete(channel),
  },
  protocol: {
    registerSchemesAsPrivileged: (schemes) => recorded.privileged.push(...schemes),
    handle: (scheme, fn) => recorded.protocolHandlers.set(scheme, fn),
  },
  session: {
    defaultSession: {
      setPermissionRequestHandler() {},
      setPermissionCheckHandler() {},
      setDevicePermissionHandler() {},
      webRequest: { onHeadersReceived() {} },
    },
  },
  Menu: { buildFromTemplate: (template) => ({ template }), setApplicationMenu() {} },
  dialog: {
    showErrorBox: (title, message) => recorded.errors.push({ title, message }),
    showOpenDialog: () => Promise.resolve({ canceled: true, filePaths: [] }),
    showMessageBox: () => Promise.resolve({ response: 0 }),
  },
  shell: { openPath: () => Promise.resolve('') },
};
