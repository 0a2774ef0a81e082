import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers';
import { ensureMainBuilt, ROOT } from './built';

/**
 * The Electron main bundle (dist/main/electron.cjs) loaded under Node with Electron's API as the only
 * stand-in (test/dist/fakeElectron.cjs): its whole module graph must load, open the workspace, answer
 * the page's IPC calls, serve lathe://app, and run the CLI in --cli mode. The real window is tested by
 * test/electron/window.test.ts where the Electron runtime exists.
 */

const HARNESS = path.join(__dirname, 'electronHarness.cjs');
// Under Node the engine loads node_modules' Node-ABI better-sqlite3, as the Electron build is for Electron.
const NODE_SQLITE = path.join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
let bundle: string;
let home: string;
let rendererDir: string;
let tempRenderer: string | null = null;

function harness(args: string[]): { code: number; seen: Record<string, unknown>; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [HARNESS, bundle, ...args], {
    env: { ...process.env, LATHE_HOME: home, LATHE_SQLITE_BINDING: NODE_SQLITE, LATHE_RENDERER_DIR: rendererDir },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('HARNESS '));
  return { code: r.status ?? -1, seen: line ? (JSON.parse(line.slice('HARNESS '.length)) as Record<string, unknown>) : {}, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  bundle = path.join(await ensureMainBuilt(), 'electron.cjs');
  home = tempDir('lathe-dist-electron-');
  rendererDir = path.join(ROOT, 'dist', 'renderer');
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
    console.log('dist/renderer is not built (npm test builds it first): serving a stand-in index.html');
    tempRenderer = tempDir('lathe-dist-renderer-');
    fs.writeFileSync(path.join(tempRenderer, 'index.html'), '<!doctype html><div id="root"></div>');
    rendererDir = tempRenderer;
  }
});
afterAll(() => {
  fs.rmSync(home, { recursive: true, force: true });
  if (tempRenderer) fs.rmSync(tempRenderer, { recursive: true, force: true });
});

describe('dist/main/electron.cjs', () => {
  it('opens the window on lathe://app, answers IPC from it only, and serves the renderer', () => {
    const r = harness([]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.seen).toMatchObject({
      ok: true,
      url: 'lathe://app/index.html',
      webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false },
      privileged: ['lathe'],
      info: { ok: true, value: { door: 'electron', home } },
      datasets: ['penguins'],
      strangerRefused: 'FORBIDDEN',
      pageStatus: 200,
      pageType: expect.stringMatching(/text\/html/),
      pageCsp: expect.stringMatching(/script-src 'self'/),
      escapeStatus: 404,
      errors: [],
    });
    expect(fs.existsSync(path.join(path.dirname(bundle), 'preload.cjs'))).toBe(true);
  });

  it('runs the CLI with --cli, without a window, and exits with its code', () => {
    const ok = harness(['--cli', 'data', 'list', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.seen).toEqual({ exitCode: 0, windows: 0, errors: [] });
    expect(JSON.parse(ok.stdout.slice(0, ok.stdout.indexOf('HARNESS '))).map((d: { name: string }) => d.name)).toContain('penguins');

    const bad = harness(['--cli', 'data', 'show', 'missing']);
    expect(bad.seen).toMatchObject({ exitCode: 1, windows: 0 });
    expect(bad.stderr).toMatch(/lathe: .*missing/);
  });
});
