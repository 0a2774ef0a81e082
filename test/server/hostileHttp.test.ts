import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/main/server/server';
import { tempEngine } from '../helpers';

/**
 * Hostile requests at the HTTP door (issue 8): clashing upload paths, JSON nested past any real
 * input, and errors that used to carry the workspace's absolute path or a raw errno out to the page.
 * Real server on loopback, real workspace.
 */

let server: RunningServer;
let home: string;
let cleanup: () => void;

beforeAll(async () => {
  const t = await tempEngine();
  home = t.home;
  cleanup = t.cleanup;
  server = await startServer({ engine: t.engine, token: 'hostile-token' });
});
afterAll(async () => {
  await server.close();
  cleanup();
});

function request(method: string, path: string, body: string | Buffer, contentType = 'application/json'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: server.port, method, path, headers: { Host: `127.0.0.1:${server.port}`, Authorization: 'Bearer hostile-token', 'Content-Type': contentType } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d) => parts.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const upload = (batch: string, p: string, body = 'a,b\n1,2\n') =>
  request('POST', `/api/upload?batch=${batch}&path=${encodeURIComponent(p)}`, body, 'application/octet-stream');

function expectNoLocalPath(text: string) {
  expect(text).not.toContain(home);
  expect(text).not.toMatch(/EEXIST|ENOTDIR|EISDIR/);
}

describe('upload paths that clash', () => {
  it('a file, then a folder of the same name: 409 naming only the sent path', async () => {
    expect((await upload('clash01', 'a')).status).toBe(200);
    const r = await upload('clash01', 'a/b.csv');
    expect(r.status).toBe(409);
    const { error } = JSON.parse(r.body);
    expect(error).toMatchObject({ code: 'ALREADY_EXISTS', where: 'path' });
    expect(error.message).toContain('a/b.csv');
    expectNoLocalPath(r.body);
  });

  it('a folder, then a file of the same name; the same file twice', async () => {
    expect((await upload('clash02', 'cats/x.png')).status).toBe(200);
    const folder = await upload('clash02', 'cats');
    expect(folder.status).toBe(409);
    expectNoLocalPath(folder.body);
    const twice = await upload('clash02', 'cats/x.png', 'other bytes');
    expect(twice.status).toBe(409);
    expectNoLocalPath(twice.body);
  });
});

describe('errors name no folder inside the workspace', () => {
  it('a bad uploaded CSV is named by its uploaded path, not the workspace path', async () => {
    const up = JSON.parse((await upload('badcsv01', 'data/bad.csv', 'a,b\n1,2\n3\n')).body) as { file: string };
    const r = await request('POST', '/api/call/datasets.add', JSON.stringify({ name: 'bad', path: up.file }));
    expect(r.status).toBe(422);
    const { error } = JSON.parse(r.body);
    expect(error.code).toBe('BAD_FILE');
    expect(error.message).toContain('data/bad.csv: line 3 has 1 field');
    expect(error.where).toBe('data/bad.csv:3');
    expectNoLocalPath(r.body);
  });
});

describe('JSON nested past any real input', () => {
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

  it('a call field nested 100k deep is a 400 naming the field, not a 500 stack overflow', async () => {
    const r = await request('POST', '/api/call/runs.create', `{"experimentId":"x","environment":{"libs":${deep(100_000)}}}`);
    expect(r.status).toBe(400);
    const { error } = JSON.parse(r.body);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.where).toMatch(/^environment\.libs/);
    expect(r.body).not.toContain('call stack');
  });

  it('the MLflow door refuses it the same way', async () => {
    const r = await request('POST', '/api/2.0/mlflow/runs/log-batch', `{"run_id":"x","params":[{"key":"k","value":${deep(100_000)}}]}`);
    expect(r.status).toBe(400);
    expect(r.body).toContain('params[0].value');
    expect(r.body).not.toContain('call stack');
  });

  it('ordinary nesting still passes the check', async () => {
    const r = await request('POST', '/api/call/app.info', '{}');
    expect(r.status).toBe(200);
  });
});
