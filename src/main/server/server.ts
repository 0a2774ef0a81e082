import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeContract } from '../../shared/contractSchema';
import { ERROR_CODES, LatheError, toLatheError } from '../../shared/errors';
import { dispatch } from '../engine/dispatch';
import type { DoorEngine as Engine } from '../engine/engine';
import { parseJson, readBody } from './body';
import { httpError } from './httpErrors';
import { checkHost, checkJson, checkOrigin, checkToken, presentedToken, TOKEN_COOKIE } from './guard';
import { serveStatic } from './staticFiles';
import { receiveUpload } from './uploads';
import { receiveMonitorIngest } from './monitorIngest';
import { routeMlflow } from './mlflow/router';

export interface ServerOptions {
  engine: Engine;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Always loopback; only 127.0.0.1 / ::1 are accepted. */
  host?: string;
  /** Folder of the built renderer (dist/renderer); without it only the API is served. */
  rendererDir?: string;
  /** Fixed token (tests); default is 32 random bytes. */
  token?: string;
  /** Notice what other processes write to the workspace (default true; see tracking/otherWriters.ts). */
  watchOtherWriters?: boolean;
}

export interface RunningServer {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const MAX_CALL_BODY = 16 * 1024 * 1024;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}

/** `home` (the workspace) is kept out of the answer: see httpError. */
export function sendError(res: ServerResponse, e: unknown, home?: string): void {
  const err = home === undefined ? toLatheError(e) : httpError(e, home);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, ERROR_CODES[err.code].status, { error: err.toJSON() });
}


/**
 * The HTTP door: the same contract over loopback, for the browser UI, scripts and (later) MLflow
 * clients. Every request passes the host, token and origin checks first.
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { engine } = opts;
  const host = opts.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== '::1') {
    throw new LatheError('INVALID_INPUT', `Lathe serves on loopback only, not "${host}"`, { where: 'host' });
  }
  const token = opts.token ?? randomBytes(32).toString('base64url');
  let port = opts.port ?? 0;
  const sseClients = new Set<ServerResponse>();

  const unsubscribe = engine.events.subscribe((event) => {
    const frame = `event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
    for (const res of sseClients) res.write(frame);
  });
  // Runs logged by other processes (another door, `lathe run`) reach this door's live views too.
  const stopWatching = opts.watchOtherWriters === false ? () => {} : engine.live.watchOtherWriters();
  engine.live.warmCompute();
  engine.live.sealRawRows();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    checkHost(req.headers.host, port);
    const given = presentedToken(req, url);
    checkToken(given, token);
    checkOrigin(req, port);
    const method = req.method ?? 'GET';
    const p = url.pathname;

    if (p.startsWith('/api/call/')) {
      if (method !== 'POST') throw new LatheError('INVALID_INPUT', 'Calls are POST requests with a JSON body');
      checkJson(req);
      const name = decodeURIComponent(p.slice('/api/call/'.length));
      const input = parseJson((await readBody(req, MAX_CALL_BODY)).toString('utf8'));
      sendJson(res, 200, { value: await dispatch(engine, name, input) });
      return;
    }
    if (p === '/api/contract' && method === 'GET') {
      sendJson(res, 200, describeContract());
      return;
    }
    if (p === '/api/events' && method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(': connected\n\n');
      sseClients.add(res);
      req.on('close', () => sseClients.delete(res));
      return;
    }
    if (p === '/api/upload' && method === 'POST') {
      const batch = url.searchParams.get('batch') ?? '';
      const rel = url.searchParams.get('path') ?? '';
      sendJson(res, 200, await receiveUpload(req, engine.transfer.uploadRoot, batch, rel));
      return;
    }
    if (p === '/api/monitor/ingest' && method === 'POST') {
      sendJson(res, 200, await receiveMonitorIngest(engine, req, url, engine.transfer.uploadRoot));
      return;
    }
    if (await routeMlflow(engine, req, res)) return; // MLflow REST API 2.0 + mlflow-artifacts (raw URL)
    if (p.startsWith('/api/')) throw new LatheError('NOT_FOUND', `No API route ${method} ${p}`);

    // The UI. A first visit with ?token= trades it for a same-site cookie and drops it from the URL.
    if (url.searchParams.has('token')) {
      url.searchParams.delete('token');
      res.writeHead(303, {
        Location: url.pathname + (url.search || ''),
        'Set-Cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
      });
      res.end();
      return;
    }
    if (!opts.rendererDir) throw new LatheError('NOT_FOUND', 'This server has no UI (API only)');
    serveStatic(opts.rendererDir, p, res);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => sendError(res, e, engine.home));
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new LatheError('CONFLICT', `Port ${port} is already in use`, { where: 'port', hint: 'Pick another with --port, or omit it for a free one.' })
          : e,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const hostInUrl = host === '::1' ? '[::1]' : host;

  return {
    url: `http://${hostInUrl}:${port}/?token=${token}`,
    token,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        stopWatching();
        for (const res of sseClients) res.end();
        sseClients.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
