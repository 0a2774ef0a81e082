/**
 * Loads dist/main/electron.cjs under Node with test/dist/fakeElectron.cjs as `electron`, then:
 *   window mode: waits for the window and the IPC handler, calls the engine through IPC as the app's
 *                page would, fetches index.html through the lathe:// handler, and quits;
 *   --cli mode:  runs the bundle with `--cli <args>` and exits with the code the app exits with.
 * Prints one line `HARNESS <json>` with what it saw. Usage: node electronHarness.cjs <bundle> [--cli args...]
 */
const Module = require('node:module');
const path = require('node:path');

const fakePath = path.join(__dirname, 'fakeElectron.cjs');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'electron' ? fakePath : resolve.call(this, request, ...rest);
};
const fake = require(fakePath);
const recorded = fake.__recorded;
const bundle = path.resolve(process.argv[2]);
const rest = process.argv.slice(3);
process.argv = [process.argv[0], bundle, ...rest];

const report = (obj) => process.stdout.write(`HARNESS ${JSON.stringify(obj)}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function windowMode() {
  require(bundle);
  for (let i = 0; i < 200 && !(recorded.ipcHandlers.has('lathe:call') && recorded.windows.length); i++) await sleep(25);
  const win = recorded.windows[0];
  const call = recorded.ipcHandlers.get('lathe:call');
  if (!win || !call) return report({ ok: false, why: 'no window or no IPC handler', errors: recorded.errors });
  const trusted = { sender: win.webContents, senderFrame: win.webContents.mainFrame };
  const info = await call(trusted, 'app.info', {});
  const datasets = await call(trusted, 'datasets.list', {});
  const stranger = await call({ sender: {}, senderFrame: { url: 'https://evil.example/', parent: null } }, 'datasets.list', {});
  const handler = recorded.protocolHandlers.get('lathe');
  const page = handler ? await handler(new Request('lathe://app/index.html')) : null;
  const escape = handler ? await handler(new Request('lathe://app/../../package.json')) : null;
  fake.app.quit();
  report({
    ok: true,
    url: win.webContents.getURL(),
    webPreferences: win.options.webPreferences,
    privileged: recorded.privileged.map((s) => s.scheme),
    info,
    datasets: datasets.ok ? datasets.value.map((d) => d.name) : datasets,
    strangerRefused: stranger.ok === false ? stranger.error.code : 'accepted',
    pageStatus: page?.status ?? null,
    pageType: page?.headers.get('content-type') ?? null,
    pageCsp: page?.headers.get('content-security-policy') ?? null,
    escapeStatus: escape?.status ?? null,
    errors: recorded.errors,
  });
  process.exit(0);
}

function cliMode() {
  fake.app.on('fake-exit', (code) => {
    report({ exitCode: code, windows: recorded.windows.length, errors: recorded.errors });
    process.exit(code);
  });
  require(bundle);
}

if (rest.includes('--cli')) cliMode();
else windowMode().catch((e) => {
  report({ ok: false, why: String(e && e.stack ? e.stack : e), errors: recorded.errors });
  process.exit(1);
});
