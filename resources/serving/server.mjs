// POST /predict {"rows": [...]} -> {"predictions": [...], "probabilities": [[...]], "labels": [...]}
// Every answer carries "requestIds" (one per row, from the body's requestIds or X-Request-Id, else generated)
// and is logged under logs/ for `lathe monitor ingest` (LATHE_LOG=off turns it off).
// GET /health -> {"status": "ok", ...}. Binds 127.0.0.1:8080 unless HOST / PORT say otherwise (PORT=0: any free port).
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, loadModel } from './predictor.mjs';
import { createRequestLog, requestIdsOf } from './requestLog.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const predictor = loadModel(path.join(here, 'model'));
const info = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(path.join(here, 'lathe-model.json'), 'utf8')));
const MAX_BODY = Number(process.env.MAX_BODY_BYTES ?? 10 * 1024 * 1024);
// Every answered row is logged for monitoring (LATHE_LOG=off to turn it off; see requestLog.mjs).
const requestLog = createRequestLog(here, { model: info.model, version: info.version, alias: process.env.LATHE_ALIAS ?? info.alias ?? null, inputs: predictor.pre.features.map((f) => f.column) });

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/health') {
    return send(res, 200, { status: 'ok', model: info.model, version: info.version, versionId: info.versionId, task: predictor.signature.task, inputs: predictor.pre.features.map((f) => ({ name: f.column, type: f.type, ...(f.kind === 'categorical' ? { values: f.vocab } : {}) })), labels: predictor.signature.labels, log: requestLog.stats });
  }
  if (url.pathname !== '/predict') return send(res, 404, { error: 'not found', hint: 'POST /predict or GET /health' });
  if (req.method !== 'POST') return send(res, 405, { error: 'use POST for /predict' });
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return send(res, 415, { error: 'send Content-Type: application/json' });
  const parts = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > MAX_BODY) {
      send(res, 413, { error: `request body over ${MAX_BODY} bytes` });
      req.destroy();
      return;
    }
    parts.push(c);
  });
  req.on('end', () => {
    if (res.writableEnded) return;
    let body;
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8'));
    } catch (e) {
      return send(res, 400, { error: `the body is not valid JSON: ${e.message}` });
    }
    const rows = Array.isArray(body) ? body : body?.rows;
    try {
      const t0 = performance.now();
      const out = predictor.predict(rows);
      const latencyMs = Math.round((performance.now() - t0) * 1000) / 1000;
      const requestIds = requestLog.log({ requestIds: requestIdsOf(body, req.headers['x-request-id'], rows.length), rows, output: out, latencyMs });
      if (requestIds.length === 1) res.setHeader('X-Request-Id', requestIds[0]);
      return send(res, 200, { ...out, requestIds });
    } catch (e) {
      if (e instanceof InputError) return send(res, 400, { error: e.message, where: e.where });
      return send(res, 500, { error: e.message });
    }
  });
});

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 8080);
server.listen(port, host, () => {
  const a = server.address();
  console.log(`${info.model} v${info.version} listening on http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => requestLog.drain().finally(() => process.exit(0))));
