/**
 * The Electron door: app lifecycle, the one window, the menu, and the wiring of IPC to the engine.
 * Thin on purpose — the engine knows nothing of Electron, and every security decision lives in pure,
 * tested modules (ipcGuard, appProtocol, envelope, callHandler).
 *
 * Bundled by scripts/build-main.mjs into dist/main/electron.cjs (the package.json `main`).
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  Menu,
  Notification,
  protocol,
  session,
  shell,
  type MenuItemConstructorOptions,
  type WebContents,
} from 'electron';
import { diskError } from '../engine/diskErrors';
import { createEngine, type DoorEngine as Engine } from '../engine/engine';
import { APP_VERSION } from '../engine/version';
import { defaultHome } from '../engine/workspace';
import { alertNotifier } from './alertNotifier';
import { mimeType, resolveAppFile } from './appProtocol';
import { registerIpc } from './ipc';
import { APP_ENTRY_URL, APP_SCHEME, isAllowedNavigation, withSecurityHeaders, type ResponseHeaders } from './ipcGuard';
import { electronSqliteBinding, nativeLoadHint } from './nativeBinding';

// Must happen before `ready`: lathe:// behaves like https (standard, secure origin, fetch allowed).
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);
// Every renderer sandboxed, whatever a BrowserWindow says.
app.enableSandbox();
app.setName('Lathe');

/** dist/main (this bundle's folder) -> dist/renderer, inside app.asar when packaged. */
const rendererDir = process.env.LATHE_RENDERER_DIR ?? path.join(__dirname, '..', 'renderer');
const projectRoot = path.resolve(__dirname, '..', '..');
const workspace = defaultHome();

let mainWindow: BrowserWindow | null = null;
let engine: Engine | null = null;
let disposeIpc: (() => void) | null = null;

function log(...args: unknown[]): void {
  console.warn('[lathe]', ...args);
}

function fail(title: string, error: unknown): void {
  const disk = diskError(error, workspace); // a full disk says which disk is full and that nothing was lost
  const message = disk ? disk.message : error instanceof Error ? error.message : String(error);
  const hint = disk ? disk.hint : nativeLoadHint(error);
  console.error(`[lathe] ${title}:`, error);
  dialog.showErrorBox(title, hint ? `${message}\n\n${hint}` : message);
  app.exit(1);
}

function flatHeaders(headers: ResponseHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** lathe://app/... -> a file of dist/renderer, never anything outside it. */
function registerAppProtocol(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response('Method not allowed', { status: 405, headers: flatHeaders(withSecurityHeaders({ 'Content-Type': 'text/plain' })) });
    }
    const found = resolveAppFile(request.url, rendererDir);
    if (found.kind !== 'file') {
      const status = found.kind === 'forbidden' ? 403 : 404;
      return new Response(status === 403 ? 'Forbidden' : 'Not found', {
        status,
        headers: flatHeaders(withSecurityHeaders({ 'Content-Type': 'text/plain; charset=utf-8' })),
      });
    }
    const body = request.method === 'HEAD' ? null : await fs.promises.readFile(found.file);
    return new Response(body, {
      status: 200,
      headers: flatHeaders(withSecurityHeaders({ 'Content-Type': mimeType(found.file), 'Cache-Control': 'no-cache' })),
    });
  });
}

/** The default session: CSP on every response, and no to every permission (camera, notifications, ...). */
function hardenSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, permission, callback) => {
    log(`denied permission request: ${permission}`);
    callback(false);
  });
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withSecurityHeaders(details.responseHeaders) });
  });
}

/** Applied to every WebContents ever created (windows, devtools excluded from nothing). */
function guardContents(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    log(`denied window.open(${url.slice(0, 200)})`);
    return { action: 'deny' };
  });
  const guard = (event: { url: string; preventDefault(): void }, what: string) => {
    if (!isAllowedNavigation(event.url)) {
      event.preventDefault();
      log(`denied ${what} to ${event.url.slice(0, 200)}`);
    }
  };
  contents.on('will-navigate', (event) => guard(event, 'navigation'));
  contents.on('will-frame-navigate', (event) => guard(event, 'frame navigation'));
  contents.on('will-redirect', (event) => guard(event, 'redirect'));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('denied <webview>');
  });
}

function openWorkspaceFolder(): void {
  // Only ever the workspace folder, computed here — never a string that came from the renderer.
  void shell.openPath(engine?.home ?? workspace).then((error) => {
    if (error) dialog.showErrorBox('Could not open the workspace folder', error);
  });
}

function showAbout(): void {
  const options = {
    type: 'info' as const,
    title: 'About Lathe',
    message: `Lathe ${APP_VERSION}`,
    detail: [
      'A local-first workbench for the whole machine-learning lifecycle.',
      '',
      `Workspace: ${engine?.home ?? workspace}`,
      `Electron ${process.versions.electron} · Chromium ${process.versions.chrome} · Node ${process.versions.node}`,
    ].join('\n'),
    buttons: ['OK'],
  };
  void (mainWindow ? dialog.showMessageBox(mainWindow, options) : dialog.showMessageBox(options));
}

function buildMenu(): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Workspace Folder', accelerator: 'CmdOrCtrl+Shift+O', click: openWorkspaceFolder },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        { role: 'forceReload' },
        { role: 'toggleDevTools' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { label: 'Open Workspace Folder', click: openWorkspaceFolder },
        ...(isMac ? [] : [{ type: 'separator' as const }, { label: 'About Lathe', click: showAbout }]),
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 560,
    title: 'Lathe',
    show: false,
    backgroundColor: '#15171c',
    webPreferences: {
      preload: path.join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.once('did-fail-load', (_e, code, description, url) => {
    log(`failed to load ${url}: ${description} (${code})`);
    win.show();
  });
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(APP_ENTRY_URL);
  return win;
}

function focusWindow(): void {
  if (!mainWindow || mainWindow.isDestroyed()) {
    if (app.isReady()) mainWindow = createWindow();
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

async function start(): Promise<void> {
  await app.whenReady();
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
    fail('Lathe is not built', new Error(`No renderer in ${rendererDir}. Run "npm run build" (or "npm start", which builds what is missing).`));
    return;
  }
  if (app.isPackaged) process.env.LATHE_RESOURCES = path.join(process.resourcesPath, 'resources');
  if (process.platform === 'win32') app.setAppUserModelId('dev.lathe.app');

  hardenSession();
  registerAppProtocol();
  Menu.setApplicationMenu(buildMenu());

  const nativeBinding = electronSqliteBinding({ isPackaged: app.isPackaged, resourcesPath: process.resourcesPath, projectRoot });
  if (!nativeBinding) log('no Electron build of better-sqlite3 found; trying node_modules (run scripts/electron-native.mjs if this fails)');
  // The window opens while the workspace opens; IPC calls wait for the engine.
  const enginePromise = createEngine({ home: workspace, door: 'electron', nativeBinding });
  disposeIpc = registerIpc({ engine: enginePromise, getWindow: () => mainWindow });
  mainWindow = createWindow();
  try {
    engine = await enginePromise;
    engine.live.watchOtherWriters(); // runs logged by other processes appear live; stops when the engine closes
    engine.live.startTriggers(); // pipeline triggers fire while the app runs
    engine.live.warmCompute(); // TF.js loads while the window is idle, not at the first training
    engine.live.sealRawRows(); // closed windows' logged rows become Parquet parts while the app is idle
    // A monitoring alert that starts firing becomes a desktop notification (alertNotifier.ts).
    const opened = engine;
    engine.events.subscribe(alertNotifier({ Notification, window: () => mainWindow, env: process.env, open: () => focusWindow(), enabled: async () => (await opened['settings.get']({})).desktopNotifications }));
  } catch (e) {
    fail('Lathe could not open its workspace', e);
  }
}

if (!app.requestSingleInstanceLock()) {
  // Another Lathe owns the workspace: it gets focused (second-instance), we leave.
  app.quit();
} else {
  app.on('second-instance', focusWindow);
  app.on('web-contents-created', (_event, contents) => guardContents(contents));
  app.on('activate', () => {
    if (app.isReady() && BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => {
    disposeIpc?.();
    disposeIpc = null;
    engine?.close();
    engine = null;
  });
  start().catch((e) => fail('Lathe could not start', e));
}
