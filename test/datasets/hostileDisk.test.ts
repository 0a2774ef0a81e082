import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import { createEngine, type Engine } from '../../src/main/engine/engine';
import { diskError } from '../../src/main/engine/diskErrors';
import { startServer, type RunningServer } from '../../src/main/server/server';
import { latheSync } from '../cliBundle';
import { tempDir } from '../helpers';

/**
 * A full disk (issue 8): it used to say only `ENOSPC` or `disk I/O error`, even for `data list`.
 * Here the workspace lives on a real 4 MB tmpfs that the test fills; every door must say which disk
 * is full and that nothing was lost, and the workspace must be intact once space is freed.
 * Mounting needs root (and a kernel that lets this container mount tmpfs): otherwise the real-disk
 * part is skipped with the reason printed, and only the narrow boundary (real SQLite and fs error
 * objects through diskError) runs.
 */

function tryMount(dir: string): string | null {
  if (process.platform !== 'linux') return 'tmpfs mounts are a Linux feature';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? null : `mount -t tmpfs failed: ${(r.stderr || r.error?.message || '').trim()}`;
}

let mountDir: string;
let skipReason: string | null;
let engine: Engine;
let home: string;
const scratch = tempDir('lathe-disk-src-');

function fill(): void {
  const fd = fs.openSync(path.join(mountDir, 'filler'), 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, block);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    fs.closeSync(fd);
  }
}

function csv(name: string, rows: number): string {
  const file = path.join(scratch, name);
  fs.writeFileSync(file, 'a,b,c\n' + Array.from({ length: rows }, (_, i) => `${i},${(i * 7) % 13},x${i}`).join('\n') + '\n');
  return file;
}

beforeAll(async () => {
  mountDir = tempDir('lathe-disk-');
  skipReason = tryMount(mountDir);
  if (skipReason) {
    console.log(`full-disk tests on a real file system skipped: ${skipReason}`);
    return;
  }
  home = path.join(mountDir, 'ws');
  engine = await createEngine({ home, sample: false });
  await invoke(engine, 'datasets.add', { name: 'kept', path: csv('kept.csv', 10) });
  fill();
});

afterAll(() => {
  engine?.close();
  if (!skipReason) spawnSync('umount', [mountDir]);
  fs.rmSync(mountDir, { recursive: true, force: true });
  fs.rmSync(scratch, { recursive: true, force: true });
});

function expectDiskFull(err: { code?: string; message?: string; where?: string }) {
  expect(err.code).toBe('DISK_FULL');
  expect(err.message).toContain(`mounted at ${fs.realpathSync(mountDir)}`);
  expect(err.message).toContain('is full');
  expect(err.message).toContain('Nothing was lost');
  expect(err.message).not.toMatch(/ENOSPC|SQLITE_FULL|disk I\/O error/);
}

describe('a full disk', () => {
  it('the engine door: an import says which disk is full and that nothing was lost; the workspace is unchanged', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const err = await invoke(engine, 'datasets.add', { name: 'big', path: csv('big.csv', 40_000) }).then(
      () => ({}) as { code?: string },
      (e: { code?: string; message?: string }) => e,
    );
    expectDiskFull(err);
    const names = (await invoke(engine, 'datasets.list', {})).map((d) => d.name);
    expect(names).toEqual(['kept']);
    expect(fs.readdirSync(path.join(home, 'tmp'))).toEqual([]);
  });

  it('the CLI: exit 1 and the same message, for an import and for data list on a new workspace', (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const add = latheSync(['data', 'add', 'big', path.join(scratch, 'big.csv')], { home, timeout: 60_000 });
    expect(add.code).toBe(1);
    expect(add.stderr).toContain('is full');
    expect(add.stderr).toContain('Nothing was lost');
    // A workspace that does not exist yet cannot even be created: that is the disk too, not Lathe.
    const fresh = latheSync(['data', 'list', '--json'], { home: path.join(mountDir, 'fresh'), timeout: 60_000 });
    expect(fresh.code, fresh.stderr).toBe(1);
    const { error } = JSON.parse(fresh.stdout) as { error: { code: string; message: string } };
    expect(error.code).toMatch(/^DISK_(FULL|ERROR)$/);
    expect(error.message).toContain(`mounted at ${fs.realpathSync(mountDir)}`);
    const list = latheSync(['data', 'list', '--json'], { home, timeout: 60_000 });
    if (list.code === 0) expect(JSON.parse(list.stdout).map((d: { name: string }) => d.name)).toContain('kept');
    else expect(list.stderr).toContain('is full');
  });

  it('the HTTP door: 507 DISK_FULL for a call and for an upload', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const server: RunningServer = await startServer({ engine, token: 'disk-token' });
    try {
      const post = (p: string, body: string | Buffer, type: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = http.request(
            { host: '127.0.0.1', port: server.port, method: 'POST', path: p, headers: { Host: `127.0.0.1:${server.port}`, Authorization: 'Bearer disk-token', 'Content-Type': type } },
            (res) => {
              const parts: Buffer[] = [];
              res.on('data', (d) => parts.push(d));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }));
            },
          );
          req.on('error', reject);
          req.end(body);
        });
      const call = await post('/api/call/datasets.add', JSON.stringify({ name: 'big', path: path.join(scratch, 'big.csv') }), 'application/json');
      expect(call.status).toBe(507);
      expectDiskFull(JSON.parse(call.body).error);
      const up = await post('/api/upload?batch=full01&path=big.csv', fs.readFileSync(path.join(scratch, 'big.csv')), 'application/octet-stream');
      expect(up.status).toBe(507);
      expectDiskFull(JSON.parse(up.body).error);
      expect(fs.existsSync(path.join(home, 'tmp', 'uploads', 'full01', 'big.csv'))).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('once space is freed, the same import works and doctor finds nothing wrong', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    fs.rmSync(path.join(mountDir, 'filler'));
    const r = await invoke(engine, 'datasets.add', { name: 'big', path: path.join(scratch, 'big.csv') });
    expect(r.version.rowCount).toBe(40_000);
    const doctor = await invoke(engine, 'store.doctor', {});
    expect(doctor.problems).toEqual([]);
    expect(doctor.ok).toBe(true);
  });
});

describe('the boundary: what counts as a full disk', () => {
  it('maps ENOSPC, EDQUOT, SQLITE_FULL and (with no space left) SQLITE_IOERR; leaves other errors alone', () => {
    const ws = tempDir('lathe-disk-ws-');
    try {
      const enospc = Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC', path: path.join(ws, 'tmp', 'x') });
      expect(diskError(enospc, ws)).toMatchObject({ code: 'DISK_FULL', where: expect.any(String) });
      expect(diskError(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), ws)?.code).toBe('DISK_FULL');
      expect(diskError(Object.assign(new Error('quota'), { code: 'EDQUOT' }), ws)?.code).toBe('DISK_FULL');
      // This disk has space, so an I/O error is reported as one, still naming the disk.
      const io = diskError(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' }), ws);
      expect(io?.code).toBe('DISK_ERROR');
      expect(io?.message).toContain(ws);
      // A worker's error comes back as INTERNAL with the original message: still recognised.
      expect(diskError(new Error('ENOSPC: no space left on device, write'), ws)?.code).toBe('DISK_FULL');
      // An export target on another disk is named instead of the workspace.
      const other = diskError(Object.assign(new Error('ENOSPC'), { code: 'ENOSPC', path: '/some/where/else.csv' }), ws);
      expect(other?.message).toContain('/some/where/else.csv');
      expect(diskError(Object.assign(new Error('nope'), { code: 'ENOENT' }), ws)).toBeNull();
      expect(diskError(new Error('Maximum call stack size exceeded'), ws)).toBeNull();
    } finally {
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });
});
