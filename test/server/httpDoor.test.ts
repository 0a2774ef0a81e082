import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/main/server/server';
import type { Engine } from '../../src/main/engine/engine';
import { tempEngine } from '../helpers';

/** Raw HTTP so every header (Host, Origin, Content-Type) is exactly what a hostile client would send. */
function request(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers, setHost: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

let server: RunningServer;
let cleanup: () => void;
let engine: Engine;
let rendererDir: string;

beforeAll(async () => {
  const t = await tempEngine();
  cleanup = t.cleanup;
  engine = t.engine;
  rendererDir = path.join(t.home, 'renderer-fixture');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Lathe</title>');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  server = await startServer({ engine: t.engine, token: 'test-token-123', rendererDir });
});
afterAll(async () => {
  await server.close();
  cleanup();
});

const host = () => `127.0.0.1:${server.port}`;
const auth = { Authorization: 'Bearer test-token-123' };
const json = { 'Content-Type': 'application/json' };

describe('HTTP door', () => {
  it('binds loopback and prints a URL carrying the token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=test-token-123$/);
  });

  it('answers a call with the engine result', async () => {
    const r = await request(server.port, { method: 'POST', path: '/api/call/app.info', headers: { Host: host(), ...auth, ...json }, body: '{}' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).value.name).toBe('Lathe');
  });

  it('refuses a missing or wrong token with 401', async () => {
    const none = await request(server.port, { path: '/api/contract', headers: { Host: host() } });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body).error.code).toBe('UNAUTHORIZED');
    const wrong = await request(server.port, { path: '/api/contract', headers: { Host: host(), Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('refuses a Host that is not loopback with 403 (DNS rebinding)', async () => {
    const r = await request(server.port, { path: '/api/contract', headers: { Host: `evil.example:${server.port}`, ...auth } });
    expect(r.status).toBe(403);
  });

  it('refuses a cross-origin POST with 403', async () => {
    const r = await request(server.port, {
      method: 'POST',
      path: '/api/call/app.info',
      headers: { Host: host(), ...auth, ...json, Origin: 'http://evil.example' },
      body: '{}',
    });
    expect(r.status).toBe(403);
    const sameSite = await request(server.port, {
      method: 'POST',
      path: '/api/call/app.info',
      headers: { Host: host(), ...auth, ...json, 'Sec-Fetch-Site': 'cross-site' },
      body: '{}',
    });
    expect(sameSite.status).toBe(403);
  });

  it('accepts a same-origin POST', async () => {
    const r = await request(server.port, {
      method: 'POST',
      path: '/api/call/app.info',
      headers: { Host: host(), ...auth, ...json, Origin: `http://127.0.0.1:${server.port}` },
      body: '{}',
    });
    expect(r.status).toBe(200);
  });

  it('refuses a text/plain POST with 415', async () => {
    const r = await request(server.port, { method: 'POST', path: '/api/call/app.info', headers: { Host: host(), ...auth, 'Content-Type': 'text/plain' }, body: '{}' });
    expect(r.status).toBe(415);
  });

  it('says where malformed JSON broke, with 400', async () => {
    const r = await request(server.port, { method: 'POST', path: '/api/call/datasets.versions', headers: { Host: host(), ...auth, ...json }, body: '{\n "name": }' });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.message).toMatch(/line 2/);
  });

  it('validates input with the contract schema and names the field', async () => {
    const r = await request(server.port, {
      method: 'POST',
      path: '/api/call/datasets.versions',
      headers: { Host: host(), ...auth, ...json },
      body: JSON.stringify({ name: '../etc/passwd' }),
    });
    expect(r.status).toBe(400);
    const err = JSON.parse(r.body).error;
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.where).toBe('name');
  });

  it('answers an unknown call with 404', async () => {
    const r = await request(server.port, { method: 'POST', path: '/api/call/nope.nope', headers: { Host: host(), ...auth, ...json }, body: '{}' });
    expect(r.status).toBe(404);
  });

  it('publishes the contract as JSON Schema', async () => {
    const r = await request(server.port, { path: '/api/contract', headers: { Host: host(), ...auth } });
    const calls = JSON.parse(r.body).calls as { name: string; input: { properties?: Record<string, unknown> } }[];
    const add = calls.find((c) => c.name === 'datasets.add');
    expect(add?.input.properties).toHaveProperty('path');
  });

  it('trades ?token= for a strict same-site cookie and serves the UI with a CSP', async () => {
    const first = await request(server.port, { path: '/?token=test-token-123', headers: { Host: host() } });
    expect(first.status).toBe(303);
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await request(server.port, { path: '/', headers: { Host: host(), Cookie: cookie.split(';')[0] } });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.headers['content-security-policy']).not.toMatch(/unsafe-eval/);
  });

  it('never serves files outside the renderer folder', async () => {
    for (const p of ['/../../lathe.db', '/%2e%2e/%2e%2e/lathe.db', '/assets/..%2f..%2flathe.db', '/%00']) {
      const r = await request(server.port, { path: p, headers: { Host: host(), ...auth } });
      expect(r.body).not.toContain('SQLite');
    }
  });

  it('streams events over SSE', async () => {
    const got = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, path: '/api/events', headers: { ...auth } }, (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d.toString();
          if (text.includes('datasets.changed')) {
            req.destroy();
            resolve(text);
          }
        });
      });
      req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
      req.end();
      setTimeout(() => engine.events.emit('datasets.changed', { name: 'x' }), 200);
    });
    expect(got).toMatch(/event: datasets.changed\ndata: \{"name":"x"\}/);
  });

  it('keeps uploads inside their batch folder', async () => {
    const bad = ['../x.csv', '/abs.csv', 'a\\b.csv', 'a/../../b.csv', 'C:/x.csv', 'a\u0000b', '%2e%2e/x'];
    for (const p of bad) {
      const r = await request(server.port, {
        method: 'POST',
        path: `/api/upload?batch=batch01&path=${encodeURIComponent(p)}`,
        headers: { Host: host(), ...auth, 'Content-Type': 'application/octet-stream' },
        body: 'a,b\n1,2\n',
      });
      // '%2e%2e/x' decodes once to a literal '%2e%2e' segment name, which is a harmless file name.
      if (p === '%2e%2e/x') expect(r.status).toBe(200);
      else expect(r.status, p).toBe(400);
    }
    const ok = await request(server.port, {
      method: 'POST',
      path: `/api/upload?batch=batch01&path=${encodeURIComponent('cats/a.png')}`,
      headers: { Host: host(), ...auth, 'Content-Type': 'application/octet-stream' },
      body: 'x',
    });
    const body = JSON.parse(ok.body);
    expect(body.file.endsWith(path.join('uploads', 'batch01', 'cats', 'a.png'))).toBe(true);
  });
});

