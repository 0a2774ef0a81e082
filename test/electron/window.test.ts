/**
 * The real Electron window, driven by playwright-core's _electron. Runs only where the Electron runtime
 * is installed (`npx install-electron`); elsewhere it is skipped and says why.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMain } from '../../scripts/build-main.mjs';
import { buildElectronSqlite, electronRuntime } from '../../scripts/electron-native.mjs';

const root = path.resolve(__dirname, '..', '..');
const runtime = electronRuntime(root);
const hasDisplay = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const hasElectronRuntime = runtime.installed;

if (!hasElectronRuntime) {
  console.log(`Electron runtime not installed: skipping window test (${runtime.reason}; "npx install-electron" gets it)`);
} else if (!hasDisplay) {
  console.log('No display (DISPLAY is unset): skipping window test; run it under xvfb-run');
}

describe('Electron window', () => {
  let home = '';
  afterAll(() => {
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it.skipIf(!hasElectronRuntime || !hasDisplay)(
    'opens Lathe on lathe://app with window.lathe and no Node in the page',
    async () => {
      home = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-window-'));
      if (!fs.existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
        const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
        expect(r.status).toBe(0);
      }
      await buildMain({ only: ['electron', 'preload'], quiet: true });
      buildElectronSqlite({ projectRoot: root });

      const { _electron } = await import('playwright-core');
      const args = [root];
      if (process.platform === 'linux' && process.getuid?.() === 0) args.push('--no-sandbox'); // Chromium refuses root otherwise
      const app = await _electron.launch({
        executablePath: runtime.executable!,
        args,
        cwd: root,
        env: { ...process.env, LATHE_HOME: path.join(home, 'workspace'), ELECTRON_RUN_AS_NODE: '' } as Record<string, string>,
        timeout: 60_000,
      });
      try {
        const page = await app.firstWindow();
        await page.waitForLoadState('domcontentloaded');
        expect(page.url()).toMatch(/^lathe:\/\/app\//);
        expect(await page.title()).toMatch(/Lathe/);
        const globals = await page.evaluate(() => {
          const w = window as unknown as Record<string, unknown>;
          return {
            lathe: typeof w.lathe,
            keys: w.lathe ? Object.keys(w.lathe as object).sort() : [],
            door: (w.lathe as { door?: string } | undefined)?.door,
            require: typeof w.require,
            process: typeof w.process,
            module: typeof w.module,
          };
        });
        expect(globals).toEqual({
          lathe: 'object',
          keys: ['call', 'door', 'onEvent', 'pathForFile', 'pick'],
          door: 'electron',
          require: 'undefined',
          process: 'undefined',
          module: 'undefined',
        });
        const info = await page.evaluate(() => (window as unknown as { lathe: { call(n: string, i: unknown): Promise<{ door: string }> } }).lathe.call('app.info', {}));
        expect(info.door).toBe('electron');
        const error = await page.evaluate(() =>
          (window as unknown as { lathe: { call(n: string, i: unknown): Promise<unknown> } }).lathe.call('nope', {}).catch((e: unknown) => e),
        );
        expect(error).toMatchObject({ code: 'NOT_FOUND' });
        // window.open is denied
        expect(await page.evaluate(() => window.open('https://example.com/') === null)).toBe(true);
        expect(app.windows()).toHaveLength(1);
      } finally {
        await app.close();
      }
    },
    300_000,
  );
});
