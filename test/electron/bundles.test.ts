/**
 * scripts/build-main.mjs and what it produces: the three bundles, a preload whose only require is
 * 'electron', a main bundle whose requires are Node built-ins and the declared externals, a CLI bundle
 * that runs under Node, and the main bundle's wiring checked against a fake 'electron' module
 * (window options, protocol, permission handlers, navigation guards, IPC) with a real engine.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMain, MAIN_EXTERNALS } from '../../scripts/build-main.mjs';
import { WORKER_ENTRIES } from '../../src/main/engine/workers/protocol';
import { CONTENT_SECURITY_POLICY } from '../../src/main/electron/ipcGuard';

const root = path.resolve(__dirname, '..', '..');
let outdir: string;

function requiresOf(code: string): { literal: string[]; calls: number } {
  const literal = [...code.matchAll(/\brequire\s*\(\s*(['"`])([^'"`]+)\1\s*\)/g)].map((m) => m[2]);
  const calls = [...code.matchAll(/\brequire\s*\(/g)].length;
  return { literal, calls };
}

function isAllowedExternal(id: string): boolean {
  if (id.startsWith('node:') || builtinModules.includes(id)) return true;
  return MAIN_EXTERNALS.some((e) => (e.endsWith('/*') ? id.startsWith(e.slice(0, -1)) : id === e || id.startsWith(`${e}/`)));
}

beforeAll(async () => {
  // Inside the project so the bundles resolve node_modules (better-sqlite3) as dist/main does.
  fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
  outdir = fs.mkdtempSync(path.join(root, 'dist', '.test-build-main-'));
  await buildMain({ outdir, quiet: true });
}, 120_000);
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe('build-main', () => {
  it('produces the three bundles', () => {
    for (const f of ['electron.cjs', 'preload.cjs', 'cli.cjs']) {
      const file = path.join(outdir, f);
      expect(fs.existsSync(file), f).toBe(true);
      expect(fs.statSync(file).size).toBeGreaterThan(1000);
    }
  });

  it('preload.cjs requires nothing but electron (sandboxed preload)', () => {
    const code = fs.readFileSync(path.join(outdir, 'preload.cjs'), 'utf8');
    const { literal, calls } = requiresOf(code);
    expect(literal).toEqual(['electron']);
    expect(calls).toBe(1);
    expect(code).not.toMatch(/\bimport\s*\(/);
    expect(code).not.toMatch(/\bprocess\.|\b__dirname\b|\bBuffer\b/);
    // the contract's runtime (zod) stays in the main process
    expect(code).not.toMatch(/zod|better-sqlite3/);
  });

  it('main and CLI bundles load only Node built-ins and the declared externals', () => {
    for (const f of ['electron.cjs', 'cli.cjs']) {
      const code = fs.readFileSync(path.join(outdir, f), 'utf8');
      const { literal, calls } = requiresOf(code);
      expect(calls, `${f}: every require has a literal name`).toBe(literal.length);
      const unexpected = literal.filter((id) => !isAllowedExternal(id));
      expect(unexpected, f).toEqual([]);
      expect(literal).toContain('better-sqlite3');
      // The text as a string (the worker bundler's `define` key) is fine; as an expression it is undefined in CJS.
      expect(code.replace(/(['"`])import\.meta[\w.]*\1/g, ''), `${f}: import.meta left in a CJS bundle`).not.toMatch(/import\.meta/);
    }
    const main = requiresOf(fs.readFileSync(path.join(outdir, 'electron.cjs'), 'utf8')).literal;
    expect(main).toContain('electron');
    const cli = requiresOf(fs.readFileSync(path.join(outdir, 'cli.cjs'), 'utf8')).literal;
    expect(cli).not.toContain('electron');
  });

  it('emits each worker entry as its own bundle beside the main bundles, loading only built-ins and externals', () => {
    for (const name of WORKER_ENTRIES) {
      const file = path.join(outdir, 'workers', `${name}.cjs`);
      expect(fs.existsSync(file), file).toBe(true);
      const { literal, calls } = requiresOf(fs.readFileSync(file, 'utf8'));
      expect(calls, `${name}: every require has a literal name`).toBe(literal.length);
      expect(literal.filter((id) => !isAllowedExternal(id)), name).toEqual([]);
    }
  });

  it('the CLI bundle runs under Node', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
    const out = execFileSync(process.execPath, [path.join(outdir, 'cli.cjs'), '--version'], { encoding: 'utf8', cwd: os.tmpdir() });
    expect(out.trim()).toBe(pkg.version);
    const calls = execFileSync(process.execPath, [path.join(outdir, 'cli.cjs'), 'calls'], { encoding: 'utf8', cwd: os.tmpdir() });
    expect(calls).toContain('app.info');
  });
});

// ---------------------------------------------------------------------------------------------------
// The main bundle against a fake electron module.

type Fn = (...args: any[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any

class FakeWebContents {
  handlers = new Map<string, Fn[]>();
  sent: { channel: string; args: unknown[] }[] = [];
  url = '';
  windowOpenHandler: Fn | null = null;
  mainFrame = { url: '', parent: null, processId: 1, routingId: 1 };
  on(evt: string, fn: Fn) {
    this.handlers.set(evt, [...(this.handlers.get(evt) ?? []), fn]);
    return this;
  }
  once(evt: string, fn: Fn) {
    return this.on(evt, fn);
  }
  emit(evt: string, ...args: unknown[]) {
    for (const fn of this.handlers.get(evt) ?? []) fn(...args);
  }
  setWindowOpenHandler(fn: Fn) {
    this.windowOpenHandler = fn;
  }
  getURL() {
    return this.url;
  }
  send(channel: string, ...args: unknown[]) {
    this.sent.push({ channel, args });
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a fake module records whatever the bundle hands it
function fakeElectron(record: Record<string, any>) {
  const appHandlers = new Map<string, Fn[]>();
  record.appHandlers = appHandlers;
  record.windows = [];
  record.ipc = new Map<string, Fn>();
  record.errors = [];
  record.opened = [];
  class BrowserWindow {
    webContents = new FakeWebContents();
    options: unknown;
    loaded: string | null = null;
    constructor(options: unknown) {
      this.options = options;
      record.windows.push(this);
      // what Electron does: every new WebContents goes through web-contents-created
      for (const fn of appHandlers.get('web-contents-created') ?? []) fn({}, this.webContents);
    }
    static getAllWindows() {
      return record.windows;
    }
    once() {}
    on() {}
    isDestroyed() {
      return false;
    }
    isMinimized() {
      return false;
    }
    async loadURL(url: string) {
      this.loaded = url;
      this.webContents.url = url;
      this.webContents.mainFrame.url = url;
    }
  }
  return {
    app: {
      isPackaged: false,
      enableSandbox: () => (record.sandbox = true),
      setName: (n: string) => (record.name = n),
      requestSingleInstanceLock: () => true,
      on: (evt: string, fn: Fn) => appHandlers.set(evt, [...(appHandlers.get(evt) ?? []), fn]),
      whenReady: () => Promise.resolve(),
      isReady: () => true,
      quit: () => (record.quit = true),
      exit: (code: number) => (record.exit = code),
      setAppUserModelId: () => {},
    },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown) => (record.schemes = s),
      handle: (scheme: string, fn: Fn) => (record.protocol = { scheme, fn }),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: Fn) => (record.permissionRequest = fn),
        setPermissionCheckHandler: (fn: Fn) => (record.permissionCheck = fn),
        setDevicePermissionHandler: (fn: Fn) => (record.devicePermission = fn),
        webRequest: { onHeadersReceived: (fn: Fn) => (record.headers = fn) },
      },
    },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: (m: unknown) => (record.menu = m) },
    BrowserWindow,
    dialog: {
      showErrorBox: (title: string, message: string) => record.errors.push(`${title}: ${message}`),
      showOpenDialog: async () => ({ canceled: false, filePaths: ['/picked'] }),
      showMessageBox: async () => ({ response: 0 }),
    },
    shell: {
      openPath: async (p: string) => {
        record.opened.push(p);
        return '';
      },
      openExternal: async (url: string) => {
        throw new Error(`openExternal must never be called (${url})`);
      },
    },
    ipcMain: {
      handle: (channel: string, fn: Fn) => record.ipc.set(channel, fn),
      removeHandler: (channel: string) => record.ipc.delete(channel),
    },
  };
}

describe('electron.cjs wiring (fake electron module, real engine)', () => {
  const record: Record<string, any> = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
  let home: string;
  let rendererDir: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-electron-home-'));
    rendererDir = path.join(home, 'renderer');
    fs.mkdirSync(rendererDir);
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Lathe</title>');
    process.env.LATHE_HOME = path.join(home, 'workspace');
    process.env.LATHE_RENDERER_DIR = rendererDir;
    process.env.LATHE_RESOURCES = path.join(root, 'resources');
    const electron = fakeElectron(record);
    const file = path.join(outdir, 'electron.cjs');
    const realRequire = createRequire(path.join(root, 'dist', 'main', 'electron.cjs'));
    const wrapper = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(file, 'utf8')}\n})`, {
      filename: file,
    }) as Fn;
    const module = { exports: {} };
    wrapper(module.exports, (id: string) => (id === 'electron' ? electron : realRequire(id)), module, file, outdir);
    // start() runs after whenReady(); wait for the window and the engine
    for (let i = 0; i < 200 && !(record.windows.length && record.ipc.size === 2); i++) await new Promise((r) => setTimeout(r, 25));
    await record.ipc.get('lathe:call')?.(trustedEvent(), 'app.info', {});
  });
  afterAll(() => {
    for (const fn of record.appHandlers?.get('will-quit') ?? []) fn();
    process.env = saved;
    fs.rmSync(home, { recursive: true, force: true });
  });

  const win = () => record.windows[0] as { options: { webPreferences: Record<string, unknown> }; webContents: FakeWebContents; loaded: string };
  function trustedEvent() {
    const wc = win().webContents;
    return { sender: wc, senderFrame: wc.mainFrame };
  }

  it('registers lathe:// as a standard, secure scheme and sandboxes every renderer', () => {
    expect(record.errors).toEqual([]);
    expect(record.schemes).toEqual([expect.objectContaining({ scheme: 'lathe', privileges: expect.objectContaining({ standard: true, secure: true }) })]);
    expect(record.sandbox).toBe(true);
    expect(record.protocol.scheme).toBe('lathe');
  });

  it('opens one window with the secure webPreferences, on lathe://app/', () => {
    expect(record.windows).toHaveLength(1);
    const prefs = win().options.webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(prefs.preload).toBe(path.join(outdir, 'preload.cjs'));
    expect(win().loaded).toBe('lathe://app/index.html');
  });

  it('says no to every permission and puts the CSP on every response', () => {
    let granted: boolean | undefined;
    record.permissionRequest({}, 'media', (ok: boolean) => (granted = ok));
    expect(granted).toBe(false);
    expect(record.permissionCheck({}, 'clipboard-read')).toBe(false);
    expect(record.devicePermission({})).toBe(false);
    let headers: Record<string, string[]> = {};
    record.headers({ responseHeaders: { 'content-security-policy': ['default-src *'] } }, (r: { responseHeaders: Record<string, string[]> }) => (headers = r.responseHeaders));
    expect(headers['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(headers['content-security-policy']).toBeUndefined();
  });

  it('serves the renderer folder through the protocol, and nothing outside it', async () => {
    const ok = (await record.protocol.fn({ url: 'lathe://app/index.html', method: 'GET' })) as Response;
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/text\/html/);
    expect(ok.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await ok.text()).toContain('<title>Lathe</title>');
    for (const url of ['lathe://app/%2e%2e/workspace/lathe.db', 'lathe://app/..%2fworkspace%2flathe.db', 'lathe://evil/index.html']) {
      expect(((await record.protocol.fn({ url, method: 'GET' })) as Response).status, url).not.toBe(200);
    }
    expect(((await record.protocol.fn({ url: 'lathe://app/index.html', method: 'POST' })) as Response).status).toBe(405);
  });

  it('guards navigation, new windows and webviews on every WebContents', () => {
    const wc = win().webContents;
    const navigate = (evt: string, url: string) => {
      let prevented = false;
      wc.emit(evt, { url, preventDefault: () => (prevented = true) });
      return prevented;
    };
    expect(navigate('will-navigate', 'https://evil.example/')).toBe(true);
    expect(navigate('will-navigate', 'lathe://app.evil/')).toBe(true);
    expect(navigate('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(navigate('will-redirect', 'http://127.0.0.1:1/')).toBe(true);
    expect(navigate('will-frame-navigate', 'data:text/html,x')).toBe(true);
    expect(navigate('will-navigate', 'lathe://app/index.html#/models')).toBe(false);
    expect(navigate('will-attach-webview', 'lathe://app/')).toBe(true);
    expect(wc.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(wc.windowOpenHandler?.({ url: 'lathe://app/index.html' })).toEqual({ action: 'deny' });
  });

  it('answers lathe:call for the app window and refuses others', async () => {
    const call = record.ipc.get('lathe:call') as Fn;
    const env = await call(trustedEvent(), 'app.info', {});
    expect(env).toMatchObject({ ok: true, value: { door: 'electron', home: path.join(home, 'workspace') } });
    const wc = win().webContents;
    const iframe = { url: 'lathe://app/index.html', parent: wc.mainFrame, processId: 1, routingId: 2 };
    for (const event of [
      { sender: wc, senderFrame: { ...wc.mainFrame, url: 'https://evil.example/' } },
      { sender: wc, senderFrame: iframe },
      { sender: wc, senderFrame: null },
      { sender: new FakeWebContents(), senderFrame: { ...wc.mainFrame } },
    ]) {
      expect(await call(event, 'app.info', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
  });

  it('answers lathe:pick with a path, and checks its input', async () => {
    const pick = record.ipc.get('lathe:pick') as Fn;
    expect(await pick(trustedEvent(), { kind: 'file' })).toEqual({ ok: true, value: '/picked' });
    expect(await pick(trustedEvent(), { kind: 'C:/' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await pick({ sender: new FakeWebContents(), senderFrame: null }, { kind: 'file' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('has the usual menus, and "Open Workspace Folder" opens the workspace only', async () => {
    const menu = record.menu as { label?: string; role?: string; submenu?: { label?: string; click?: Fn }[] }[];
    const names = menu.map((m) => m.label ?? m.role);
    expect(names).toEqual(expect.arrayContaining(['File', 'editMenu', 'View', 'windowMenu', 'help']));
    const open = menu.find((m) => m.label === 'File')!.submenu!.find((i) => i.label === 'Open Workspace Folder')!;
    open.click!();
    await new Promise((r) => setTimeout(r, 10));
    expect(record.opened).toEqual([path.join(home, 'workspace')]);
  });
});
