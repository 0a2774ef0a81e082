// node smoke-test.mjs: starts the server on a free loopback port, checks /health and /predict, stops it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const pre = JSON.parse(fs.readFileSync(path.join(here, 'model', 'preprocessing.json'), 'utf8'));
const fail = (msg) => {
  console.error(`smoke test FAILED: ${msg}`);
  process.exitCode = 1;
};

const child = spawn(process.execPath, [path.join(here, 'server.mjs')], { env: { ...process.env, HOST: '127.0.0.1', PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((resolve, reject) => {
  let out = '';
  const t = setTimeout(() => reject(new Error('the server did not start within 10 s')), 10_000);
  child.stdout.on('data', (d) => {
    out += d;
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m) {
      clearTimeout(t);
      resolve(m[1]);
    }
  });
  child.on('exit', (code) => reject(new Error(`the server exited with ${code}`)));
});
try {
  const health = await fetch(`${base}/health`);
  const h = await health.json();
  if (health.status !== 200 || h.status !== 'ok') fail(`/health answered ${health.status}`);
  const row = Object.fromEntries(pre.features.map((f) => [f.column, f.kind === 'numeric' ? f.mean : f.vocab[0]]));
  const res = await fetch(`${base}/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ rows: [row, row] }) });
  const p = await res.json();
  if (res.status !== 200 || !Array.isArray(p.predictions) || p.predictions.length !== 2) fail(`/predict answered ${res.status} ${JSON.stringify(p)}`);
  const bad = await fetch(`${base}/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ rows: [{ no_such_field: 1 }] }) });
  if (bad.status !== 400) fail(`a bad row got ${bad.status}, not 400`);
  if (!process.exitCode) console.log(`smoke test passed: ${base} /health ok, /predict -> ${JSON.stringify(p.predictions)}`);
} catch (e) {
  fail(e.message);
} finally {
  child.kill('SIGTERM');
}
