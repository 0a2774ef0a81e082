#!/usr/bin/env node
/**
 * End-to-end tests of the renderer against the real HTTP door, driven by playwright-core in the system's
 * Chromium or Chrome (test/e2e/browser.mjs finds one, or installs Debian's where it can). No test
 * framework: each spec is a function run in order against one server and one page (the flow builds on
 * itself, like a user's first minutes). Prints "✓ name" / "✗ name: error" and a
 * closing "N passed, M failed"; exits non-zero on any failure.
 *
 *   node test/e2e/run.mjs            (npm run test:e2e)
 *   E2E_ONLY=diff node test/e2e/run.mjs   run specs whose name contains "diff" (plus their setup)
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { specs as datasetSpecs } from './specs.mjs';
import { experimentsSpecs } from './experimentsSpecs.mjs';
import { trainingSpecs } from './trainingSpecs.mjs';
import { registrySpecs } from './registrySpecs.mjs';
import { ensureBrowser } from './browser.mjs';
import { polishSpecs } from './polishSpecs.mjs';
import { pipelinesSpecs } from './pipelinesSpecs.mjs';
import { monitorSpecs } from './monitorSpecs.mjs';
import { sampleMonitorSpecs } from './sampleMonitorSpecs.mjs';
import { numbersSpecs } from './numbersSpecs.mjs';
import { structureSpecs } from './structureSpecs.mjs';

// The closing console/loopback check stays last.
const specs = [...datasetSpecs.slice(0, -1), ...experimentsSpecs, ...registrySpecs, ...monitorSpecs, ...sampleMonitorSpecs, ...trainingSpecs, ...polishSpecs, ...numbersSpecs, ...structureSpecs, ...pipelinesSpecs, datasetSpecs[datasetSpecs.length - 1]];

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RESULTS = path.join(ROOT, 'test-results');
const START = Date.now();

function finish(passed, failed) {
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

/** Rebuild dist/renderer when any renderer source is newer than the build. */
function ensureRendererBuilt() {
  const built = path.join(ROOT, 'dist', 'renderer', 'index.html');
  const builtAt = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0;
  let newest = 0;
  const walk = (p) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['index.html', 'vite.config.ts', 'src/renderer', 'src/shared']) walk(path.join(ROOT, p));
  if (newest <= builtAt) return;
  console.log('building the renderer (vite build)…');
  const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('vite build failed');
}

/** `lathe serve --port 0 --json` on a fresh workspace; resolves with {url, token, port, home, child}. */
function startServer(home) {
  return new Promise((resolve, reject) => {
    // bin/lathe.mjs: the bundled CLI (rebuilt first when the sources changed), as users run it.
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'lathe.mjs'), 'serve', '--port', '0', '--json'], {
      cwd: ROOT,
      env: { ...process.env, LATHE_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s\n${stderr}`)), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}\n${stderr}`));
    });
    const lines = readline.createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve({ ...JSON.parse(line), child, stderr: () => stderr });
      } catch (e) {
        reject(new Error(`unexpected server output: ${line}`));
      }
    });
  });
}

async function main() {
  let CHROMIUM;
  try {
    CHROMIUM = ensureBrowser();
  } catch (e) {
    console.log(`✗ setup: ${e.message}`);
    return finish(0, 1);
  }
  const { chromium } = await import('playwright-core');
  ensureRendererBuilt();
  fs.mkdirSync(RESULTS, { recursive: true });

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-e2e-'));
  const home = path.join(tmp, 'home');
  let server;
  let browser;
  let passed = 0;
  let failed = 0;
  try {
    server = await startServer(home);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'dark', deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);

    const origin = new URL(server.url).origin;
    const consoleErrors = [];
    const foreignRequests = [];
    const alerts = [];
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const where = msg.location()?.url ?? '';
      // The API answers user errors with 4xx JSON, which the UI shows; Chromium also logs those
      // responses as "Failed to load resource". Those are expected; anything else is a bug.
      if (/Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text()) && where.startsWith(origin + '/api/')) return;
      consoleErrors.push(`${msg.text()} (${where})`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      alerts.push(d.message());
      void d.dismiss();
    });
    page.on('request', (req) => {
      const u = new URL(req.url());
      if (u.protocol === 'data:' || u.protocol === 'blob:') return;
      if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) foreignRequests.push(req.url());
    });

    const ctx = {
      page,
      context,
      server,
      origin,
      tmp,
      home,
      root: ROOT,
      consoleErrors,
      foreignRequests,
      alerts,
      /** A second `lathe serve` on another workspace (its caller stops it): for specs that need an empty one. */
      startServer,
      /** A screenshot under test-results/<name>.png. */
      async shot(name) {
        await page.waitForTimeout(150); // let charts and toasts settle
        await page.screenshot({ path: path.join(RESULTS, `${name}.png`) });
      },
      /** The same state in both themes: <name>-dark.png and <name>-light.png. */
      async shotBoth(name) {
        const theme = await page.evaluate(() => document.documentElement.dataset.theme);
        await ctx.shot(`${name}-${theme}`);
        await page.getByTestId('theme-toggle').click();
        await ctx.shot(`${name}-${theme === 'dark' ? 'light' : 'dark'}`);
        await page.getByTestId('theme-toggle').click();
      },
    };

    const only = process.env.E2E_ONLY;
    for (const spec of specs) {
      if (only && !spec.name.includes(only) && !spec.setup) continue;
      const t0 = Date.now();
      try {
        ctx.note = '';
        await spec.run(ctx);
        passed++;
        console.log(`✓ ${spec.name} (${Date.now() - t0} ms${ctx.note ? '; ' + ctx.note : ''})`);
      } catch (e) {
        failed++;
        const msg = (e?.message ?? String(e)).split('\n').slice(0, 6).join('\n    ');
        console.log(`✗ ${spec.name}: ${msg}`);
        const slug = spec.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
        await page.screenshot({ path: path.join(RESULTS, `failed-${slug}.png`) }).catch(() => {});
      }
    }
  } catch (e) {
    failed++;
    console.log(`✗ setup: ${e?.message ?? e}`);
  } finally {
    await browser?.close().catch(() => {});
    if (server?.child && server.child.exitCode === null) {
      const exited = new Promise((r) => server.child.once('exit', r));
      server.child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`(${((Date.now() - START) / 1000).toFixed(1)} s; screenshots in test-results/)`);
  finish(passed, failed);
}

main().catch((e) => {
  console.log(`✗ runner: ${e?.stack ?? e}`);
  finish(0, 1);
});
