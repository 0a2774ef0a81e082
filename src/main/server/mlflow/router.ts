import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { LatheError } from '../../../shared/errors';
import { isLatheId } from '../../../shared/ids';
import { LIMITS, type Experiment, type MetricPointInput } from '../../../shared/tracking';
import type { CallOutput } from '../../../shared/contract';
import { invoke } from '../../engine/dispatch';
import type { DoorEngine as Engine } from '../../engine/engine';
import { artifactPath, mediaTypeOf } from '../../engine/tracking/artifacts';
import { parseJson, readBody } from '../body';
import { checkJson } from '../guard';
import { experimentJson, FROM_MLFLOW_STATUS, mlflowError, NOTE_TAG, RUN_NAME_TAG, runInfoJson, runJson } from './shapes';
import { checkInputDepth } from '../../engine/nesting';
import { httpError } from '../httpErrors';

/**
 * The MLflow door: the subset of MLflow's REST API 2.0 the `mlflow` Python client uses, so a script with
 * MLFLOW_TRACKING_URI=http://127.0.0.1:<port> and MLFLOW_TRACKING_TOKEN=<token> logs into Lathe
 * unchanged. Every call goes through the contract (`invoke`), so validation and limits are Lathe's;
 * only the JSON shapes and error codes are MLflow's. Host, token and origin checks already ran.
 */

const API = '/api/2.0/mlflow/';
const AJAX_API = '/ajax-api/2.0/mlflow/';
const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';
const MAX_BODY = 32 * 1024 * 1024;
const MAX_ARTIFACT = 4 * 1024 * 1024 * 1024;

type Json = Record<string, unknown>;
type Handler = (engine: Engine, body: Json) => Promise<unknown>;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(JSON.stringify(body));
}

function sendMlflowError(res: ServerResponse, e: unknown, home: string): void {
  const err = httpError(e, home);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { status, body } = mlflowError(err);
  sendJson(res, status, body);
}

// Field readers: MLflow's clients send int64 fields as numbers or as strings (proto3 JSON).

function str(body: Json, field: string, required = true): string | undefined {
  const v = body[field];
  if (v === undefined || v === null || v === '') {
    if (required) throw new LatheError('INVALID_INPUT', `Missing value for required parameter '${field}'`, { where: field });
    return undefined;
  }
  if (typeof v !== 'string') throw new LatheError('INVALID_INPUT', `Parameter '${field}' must be a string`, { where: field });
  return v;
}

function int(body: Json, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new LatheError('INVALID_INPUT', `Parameter '${field}' must be an integer`, { where: field });
  return n;
}

function list(body: Json, field: string): Json[] {
  const v = body[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'object' || x === null)) {
    throw new LatheError('INVALID_INPUT', `Parameter '${field}' must be a list of objects`, { where: field });
  }
  return v as Json[];
}

function runIdOf(body: Json): string {
  const id = str(body, 'run_id', false) ?? str(body, 'run_uuid', false);
  if (!id) throw new LatheError('INVALID_INPUT', "Missing value for required parameter 'run_id'", { where: 'run_id' });
  // Anything that is not a Lathe run id cannot name a run: say so as MLflow does (404).
  if (!isLatheId(id)) throw new LatheError('NOT_FOUND', `Run with id=${id.slice(0, 64)} not found`, { where: 'run_id' });
  return id;
}

function experimentIdOf(body: Json): string {
  const raw = body.experiment_id;
  const id = typeof raw === 'number' ? String(raw) : str(body, 'experiment_id');
  if (!id || !/^[A-Za-z0-9-]{1,64}$/.test(id)) throw new LatheError('NOT_FOUND', `No Experiment with id=${String(id).slice(0, 64)} exists`, { where: 'experiment_id' });
  return id;
}

function keyValues(items: Json[], what: string, limit: number): Record<string, string> {
  if (items.length > limit) {
    throw new LatheError('INVALID_INPUT', `A batch logging request can contain at most ${limit} ${what}; got ${items.length}`, { where: what });
  }
  const out: Record<string, string> = {};
  for (const it of items) {
    const key = str(it, 'key') as string;
    const value = it.value === undefined || it.value === null ? '' : it.value;
    if (typeof value !== 'string') throw new LatheError('INVALID_INPUT', `The value of ${what.replace(/s$/, '')} "${key.slice(0, 60)}" must be a string`, { where: key });
    if (what === 'params' && key in out && out[key] !== value) {
      throw new LatheError('INVALID_INPUT', `Duplicate param key "${key.slice(0, 60)}" with different values in one batch`, { where: key });
    }
    out[key] = value;
  }
  return out;
}

function metricPoint(m: Json): MetricPointInput {
  const key = str(m, 'key') as string;
  const value = m.value;
  if (value === undefined || value === null) throw new LatheError('INVALID_INPUT', `Missing value for metric "${key.slice(0, 60)}"`, { where: 'value' });
  return { key, value: value as number, step: int(m, 'step') ?? 0, timestamp: int(m, 'timestamp') ?? Date.now() };
}

function pageToken(body: Json): number {
  const t = body.page_token;
  if (t === undefined || t === null || t === '') return 0;
  try {
    const n = JSON.parse(Buffer.from(String(t), 'base64url').toString('utf8')).offset;
    if (Number.isSafeInteger(n) && n >= 0) return n;
  } catch {
    // fall through
  }
  throw new LatheError('INVALID_INPUT', 'Invalid page token', { where: 'page_token' });
}
const makeToken = (offset: number) => Buffer.from(JSON.stringify({ offset })).toString('base64url');

async function setRunTags(engine: Engine, runId: string, tags: Record<string, string>): Promise<void> {
  const rest = { ...tags };
  if (RUN_NAME_TAG in rest || NOTE_TAG in rest) {
    await invoke(engine, 'runs.update', { id: runId, name: rest[RUN_NAME_TAG], notes: rest[NOTE_TAG] });
    delete rest[RUN_NAME_TAG];
    delete rest[NOTE_TAG];
  }
  if (Object.keys(rest).length) await invoke(engine, 'runs.setTags', { runId, tags: rest });
}

const VIEW_TYPES: Record<string, 'active' | 'deleted' | 'all'> = { ACTIVE_ONLY: 'active', DELETED_ONLY: 'deleted', ALL: 'all', '1': 'active', '2': 'deleted', '3': 'all' };

/** `name = 'x'`, `name LIKE 'x%'` (what clients send to experiments/search); nothing else. */
function experimentFilter(filter: string | undefined): { exact?: string; like?: string } {
  if (!filter || filter.trim() === '') return {};
  const m = /^\s*(?:attributes?\.)?name\s*(=|LIKE|ILIKE)\s*(['"])(.*)\2\s*$/is.exec(filter);
  if (!m) throw new LatheError('INVALID_INPUT', `Unsupported experiment filter "${filter.slice(0, 200)}": use name = '...' or name LIKE '...'`, { where: 'filter' });
  return m[1] === '=' ? { exact: m[3] } : { like: m[3] };
}

async function experimentNamed(engine: Engine, name: string): Promise<Experiment | null> {
  try {
    return await invoke(engine, 'experiments.get', { name });
  } catch (e) {
    if (e instanceof LatheError && e.code === 'NOT_FOUND') return null;
    throw e;
  }
}

/** experiments/search: the filter applies before paging, so `name = 'x'` with max_results=1 finds x. */
async function searchExperiments(engine: Engine, b: Json): Promise<unknown> {
  const max = int(b, 'max_results') ?? 1000;
  if (max < 1 || max > 50_000) throw new LatheError('INVALID_INPUT', 'max_results must be between 1 and 50000', { where: 'max_results' });
  const offset = pageToken(b);
  const view = VIEW_TYPES[String(b.view_type ?? 'ACTIVE_ONLY')] ?? 'active';
  const f = experimentFilter(str(b, 'filter', false));
  if (f.exact !== undefined) {
    // Names are unique: at most one match, looked up by name rather than filtered out of a page.
    const e = await experimentNamed(engine, f.exact);
    const inView = e !== null && (view === 'all' || e.lifecycle === view);
    return { experiments: inView && offset === 0 ? [experimentJson(e)] : [] };
  }
  const found = await invoke(engine, 'experiments.list', { lifecycle: view, nameLike: f.like, offset, limit: Math.min(max + 1, 10_000) });
  const page = found.slice(0, max);
  return { experiments: page.map(experimentJson), ...(found.length > max ? { next_page_token: makeToken(offset + max) } : {}) };
}

/** Without max_results, MLflow returns a metric's whole history; pages of this many points are read until done. */
const HISTORY_PAGE = 100_000;

type HistoryPoint = CallOutput<'runs.metricPage'>['points'][number];
// Values come encoded (NaN and infinities as strings), which is also how MLflow's JSON spells them.
const pointJson = (key: string) => (p: HistoryPoint) => ({ key, value: p.value, timestamp: p.timestamp, step: p.step });
const historyPage = async (engine: Engine, runId: string, key: string, limit: number, offset: number) => (await invoke(engine, 'runs.metricPage', { runId, key, limit, offset })).points;

async function metricHistory(engine: Engine, runId: string, key: string, max: number | undefined, offset: number): Promise<unknown> {
  if (max !== undefined) {
    const points = await historyPage(engine, runId, key, max, offset);
    const more = points.length === max && (await historyPage(engine, runId, key, 1, offset + max)).length > 0;
    return { metrics: points.map(pointJson(key)), ...(more ? { next_page_token: makeToken(offset + max) } : {}) };
  }
  const points: HistoryPoint[] = [];
  for (let at = offset; ; at += HISTORY_PAGE) {
    const chunk = await historyPage(engine, runId, key, HISTORY_PAGE, at);
    for (const p of chunk) points.push(p);
    if (chunk.length < HISTORY_PAGE) break;
  }
  return { metrics: points.map(pointJson(key)) };
}

const handlers: Record<string, { method: 'GET' | 'POST'; alsoGet?: boolean; run: Handler }> = {
  'experiments/create': {
    method: 'POST',
    run: async (engine, b) => {
      const tags = keyValues(list(b, 'tags'), 'tags', LIMITS.mlflowBatchTags);
      const e = await invoke(engine, 'experiments.create', { name: str(b, 'name') as string, tags });
      return { experiment_id: e.id };
    },
  },
  'experiments/get': {
    method: 'GET',
    run: async (engine, b) => ({ experiment: experimentJson(await invoke(engine, 'experiments.get', { id: experimentIdOf(b) })) }),
  },
  'experiments/get-by-name': {
    method: 'GET',
    run: async (engine, b) => {
      const name = str(b, 'experiment_name') as string;
      try {
        return { experiment: experimentJson(await invoke(engine, 'experiments.get', { name })) };
      } catch (e) {
        if (e instanceof LatheError && e.code === 'NOT_FOUND') throw new LatheError('NOT_FOUND', `Could not find experiment with name '${name}'`);
        throw e;
      }
    },
  },
  // MLflow's clients POST it; its docs (and curl users) GET it with the same fields in the query string.
  'experiments/search': { method: 'POST', alsoGet: true, run: searchExperiments },
  // MLflow 1.x's listing (gone from MLflow 2), still sent by older clients such as npm's `mlflow`.
  'experiments/list': { method: 'GET', run: (engine, b) => searchExperiments(engine, { view_type: b.view_type, max_results: b.max_results, page_token: b.page_token }) },
  'experiments/delete': {
    method: 'POST',
    run: async (engine, b) => (await invoke(engine, 'experiments.delete', { id: experimentIdOf(b) }), {}),
  },
  'experiments/restore': {
    method: 'POST',
    run: async (engine, b) => (await invoke(engine, 'experiments.delete', { id: experimentIdOf(b), restore: true }), {}),
  },
  'experiments/update': {
    method: 'POST',
    run: async (engine, b) => (await invoke(engine, 'experiments.update', { id: experimentIdOf(b), name: str(b, 'new_name', false) }), {}),
  },

  'runs/create': {
    method: 'POST',
    run: async (engine, b) => {
      const tags = keyValues(list(b, 'tags'), 'tags', LIMITS.mlflowBatchTags);
      const name = str(b, 'run_name', false) ?? tags[RUN_NAME_TAG];
      const notes = tags[NOTE_TAG];
      delete tags[RUN_NAME_TAG];
      delete tags[NOTE_TAG];
      const user = str(b, 'user_id', false);
      if (user && !tags['mlflow.user']) tags['mlflow.user'] = user;
      const experimentId = b.experiment_id === undefined || b.experiment_id === null || b.experiment_id === '' ? '0' : experimentIdOf(b);
      const run = await invoke(engine, 'runs.create', {
        experimentId,
        name,
        notes: notes ?? '',
        tags,
        source: 'api',
        startTime: int(b, 'start_time'),
      });
      return { run: runJson(run) };
    },
  },
  'runs/get': {
    method: 'GET',
    run: async (engine, b) => ({ run: runJson(await invoke(engine, 'runs.get', { id: runIdOf(b) })) }),
  },
  'runs/update': {
    method: 'POST',
    run: async (engine, b) => {
      const id = runIdOf(b);
      const s = str(b, 'status', false);
      const status = s === undefined ? undefined : FROM_MLFLOW_STATUS[s.toUpperCase()];
      if (s !== undefined && !status) throw new LatheError('INVALID_INPUT', `Invalid run status "${s.slice(0, 40)}"`, { where: 'status' });
      const run = await invoke(engine, 'runs.update', { id, status, endTime: int(b, 'end_time'), name: str(b, 'run_name', false) });
      return { run_info: runInfoJson(run) };
    },
  },
  'runs/delete': { method: 'POST', run: async (engine, b) => (await invoke(engine, 'runs.delete', { ids: [runIdOf(b)] }), {}) },
  'runs/restore': { method: 'POST', run: async (engine, b) => (await invoke(engine, 'runs.restore', { ids: [runIdOf(b)] }), {}) },
  'runs/search': {
    method: 'POST',
    run: async (engine, b) => {
      const ids = b.experiment_ids;
      if (ids !== undefined && (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string' && typeof x !== 'number'))) {
        throw new LatheError('INVALID_INPUT', 'experiment_ids must be a list of ids', { where: 'experiment_ids' });
      }
      const max = int(b, 'max_results') ?? 1000;
      if (max < 1 || max > 50_000) throw new LatheError('INVALID_INPUT', 'max_results must be between 1 and 50000', { where: 'max_results' });
      const order = b.order_by;
      if (order !== undefined && (!Array.isArray(order) || order.some((o) => typeof o !== 'string'))) {
        throw new LatheError('INVALID_INPUT', 'order_by must be a list of strings', { where: 'order_by' });
      }
      const offset = pageToken(b);
      const experimentIds = (ids as unknown[] | undefined)?.map(String);
      // Unknown experiments simply match nothing, as in MLflow.
      const page = await invoke(engine, 'runs.search', {
        query: str(b, 'filter', false) ?? '',
        orderBy: order && (order as string[]).length ? (order as string[]).join(', ') : undefined,
        experimentIds: experimentIds && experimentIds.length ? experimentIds : undefined,
        lifecycle: VIEW_TYPES[String(b.run_view_type ?? 'ACTIVE_ONLY')] ?? 'active',
        offset,
        limit: Math.min(max, 10_000),
      });
      return { runs: page.runs.map(runJson), ...(page.nextOffset !== null && page.runs.length >= Math.min(max, 10_000) ? { next_page_token: makeToken(page.nextOffset) } : {}) };
    },
  },
  'runs/log-metric': {
    method: 'POST',
    run: async (engine, b) => (await invoke(engine, 'runs.logMetrics', { runId: runIdOf(b), metrics: [metricPoint(b)] }), {}),
  },
  'runs/log-parameter': {
    method: 'POST',
    run: async (engine, b) => {
      const runId = runIdOf(b);
      const key = str(b, 'key') as string;
      const value = b.value;
      if (typeof value !== 'string') throw new LatheError('INVALID_INPUT', `The value of param "${key.slice(0, 60)}" must be a string`, { where: 'value' });
      await invoke(engine, 'runs.logParams', { runId, params: { [key]: value } });
      return {};
    },
  },
  'runs/set-tag': {
    method: 'POST',
    run: async (engine, b) => {
      const runId = runIdOf(b);
      const value = b.value ?? '';
      if (typeof value !== 'string') throw new LatheError('INVALID_INPUT', 'A tag value must be a string', { where: 'value' });
      await setRunTags(engine, runId, { [str(b, 'key') as string]: value });
      return {};
    },
  },
  'runs/delete-tag': {
    method: 'POST',
    run: async (engine, b) => (await invoke(engine, 'runs.setTags', { runId: runIdOf(b), remove: [str(b, 'key') as string] }), {}),
  },
  'runs/log-batch': {
    method: 'POST',
    run: async (engine, b) => {
      const runId = runIdOf(b);
      const metrics = list(b, 'metrics');
      if (metrics.length > LIMITS.mlflowBatchMetrics) {
        throw new LatheError('INVALID_INPUT', `A batch logging request can contain at most ${LIMITS.mlflowBatchMetrics} metrics; got ${metrics.length}`, { where: 'metrics' });
      }
      const params = keyValues(list(b, 'params'), 'params', LIMITS.mlflowBatchParams);
      const tags = keyValues(list(b, 'tags'), 'tags', LIMITS.mlflowBatchTags);
      const total = metrics.length + Object.keys(params).length + Object.keys(tags).length;
      if (total > 1000) throw new LatheError('INVALID_INPUT', `A batch logging request can contain at most 1000 metrics, params and tags in total; got ${total}`);
      const points = metrics.map(metricPoint);
      if (Object.keys(params).length) await invoke(engine, 'runs.logParams', { runId, params });
      if (points.length) await invoke(engine, 'runs.logMetrics', { runId, metrics: points });
      if (Object.keys(tags).length) await setRunTags(engine, runId, tags);
      if (total === 0) await invoke(engine, 'runs.get', { id: runId });
      return {};
    },
  },
  'metrics/get-history': {
    method: 'GET',
    run: async (engine, b) => {
      const runId = runIdOf(b);
      const key = str(b, 'metric_key') as string;
      const max = int(b, 'max_results');
      if (max !== undefined && (max < 1 || max > 1_000_000)) throw new LatheError('INVALID_INPUT', 'max_results must be between 1 and 1000000', { where: 'max_results' });
      return metricHistory(engine, runId, key, max, pageToken(b));
    },
  },
  'artifacts/list': {
    method: 'GET',
    run: async (engine, b) => {
      const runId = runIdOf(b);
      const run = await invoke(engine, 'runs.get', { id: runId });
      const dir = str(b, 'path', false) ?? '';
      const files = await invoke(engine, 'runs.artifacts.list', { runId, path: dir });
      return {
        root_uri: `mlflow-artifacts:/${run.experimentId}/${run.id}/artifacts`,
        files: files.map((f) => (f.isDir ? { path: f.path, is_dir: true } : { path: f.path, is_dir: false, file_size: f.size })),
      };
    },
  },
};

/** The query string as a body for GET endpoints (single values; repeated keys become lists). */
function queryAsBody(search: string): Json {
  const out: Json = {};
  for (const [k, v] of new URLSearchParams(search)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/**
 * Splits `<experiment id>/<run id>/artifacts[/<path>]` from the raw (still encoded) URL tail. Each
 * segment is decoded exactly once; traversal in any spelling is refused with 400.
 */
function artifactLocation(rawTail: string, fromQuery: boolean): { experimentId: string; runId: string; rel: string } {
  let decoded: string;
  if (fromQuery) decoded = rawTail;
  else {
    try {
      decoded = rawTail
        .split('/')
        .map((s) => decodeURIComponent(s))
        .join('/');
    } catch {
      throw new LatheError('INVALID_INPUT', 'Artifact path has a malformed percent-encoding', { where: 'path' });
    }
  }
  const clean = artifactPath(decoded, { allowEmpty: false });
  const parts = clean.split('/');
  if (parts.length < 3 || parts[2] !== 'artifacts') {
    throw new LatheError('INVALID_INPUT', 'Artifact paths look like <experiment id>/<run id>/artifacts/<path>', { where: 'path' });
  }
  return { experimentId: parts[0], runId: parts[1], rel: parts.slice(3).join('/') };
}

async function runForArtifacts(engine: Engine, loc: { experimentId: string; runId: string }): Promise<void> {
  if (!isLatheId(loc.runId)) throw new LatheError('NOT_FOUND', `Run with id=${loc.runId.slice(0, 64)} not found`);
  const run = await invoke(engine, 'runs.get', { id: loc.runId });
  if (run.experimentId !== loc.experimentId) throw new LatheError('NOT_FOUND', `Run ${run.id} is not in experiment ${loc.experimentId.slice(0, 64)}`);
}

async function handleArtifacts(engine: Engine, req: IncomingMessage, res: ServerResponse, rawPath: string, search: string): Promise<void> {
  const method = req.method ?? 'GET';
  if (rawPath === ARTIFACTS || rawPath === `${ARTIFACTS}/`) {
    // List: ?path=<experiment>/<run>/artifacts[/<folder>]; paths come back relative to that folder.
    if (method !== 'GET') throw new LatheError('INVALID_INPUT', `${method} is not supported here`);
    const p = new URLSearchParams(search).get('path') ?? '';
    const loc = artifactLocation(p.replace(/\/+$/, ''), true);
    await runForArtifacts(engine, loc);
    const files = await invoke(engine, 'runs.artifacts.list', { runId: loc.runId, path: loc.rel });
    const base = loc.rel ? `${loc.rel}/` : '';
    sendJson(res, 200, {
      files: files.map((f) => {
        const name = f.path.slice(base.length);
        return f.isDir ? { path: name, is_dir: true } : { path: name, is_dir: false, file_size: f.size };
      }),
    });
    return;
  }
  const tail = rawPath.slice(ARTIFACTS.length + 1);
  const loc = artifactLocation(tail, false);
  if (!loc.rel) throw new LatheError('INVALID_INPUT', 'An artifact path names a file inside the run', { where: 'path' });
  await runForArtifacts(engine, loc);
  if (method === 'PUT') {
    engine.transfer.checkArtifactUpload(loc.runId); // before reading the body
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_ARTIFACT) throw new LatheError('INVALID_INPUT', `Artifacts are limited to ${MAX_ARTIFACT} bytes`);
    // Stream to a temp file in the workspace, then chunk it into the object store.
    const tmp = engine.transfer.tempPath('.artifact');
    try {
      await pipeline(req, fs.createWriteStream(tmp, { flags: 'wx' }));
      await engine.transfer.putArtifactFile(loc.runId, loc.rel, tmp);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    sendJson(res, 200, {});
    return;
  }
  if (method === 'GET') {
    const size = engine.transfer.artifactSize(loc.runId, loc.rel);
    const name = loc.rel.slice(loc.rel.lastIndexOf('/') + 1).replace(/[^\w.\- ]/g, '_');
    res.writeHead(200, {
      'Content-Type': mediaTypeOf(loc.rel) === 'image/svg+xml' ? 'application/octet-stream' : mediaTypeOf(loc.rel),
      'Content-Length': String(size),
      'Content-Disposition': `attachment; filename="${name}"`,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    });
    for (const chunk of engine.transfer.readArtifact(loc.runId, loc.rel)) {
      if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
    }
    res.end();
    return;
  }
  throw new LatheError('INVALID_INPUT', `${method} is not supported for artifacts`);
}

/**
 * Answers MLflow paths; returns false for anything else. Looks at the raw request URL, not a
 * normalised one, so `..` and `%2e%2e` in artifact paths are seen (and refused) rather than resolved.
 */
export async function routeMlflow(engine: Engine, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const rawPath = q < 0 ? raw : raw.slice(0, q);
  const search = q < 0 ? '' : raw.slice(q + 1);
  const isApi = rawPath.startsWith(API) || rawPath.startsWith(AJAX_API);
  const isArtifacts = rawPath === ARTIFACTS || rawPath.startsWith(`${ARTIFACTS}/`);
  if (!isApi && !isArtifacts) return false;
  try {
    if (isArtifacts) {
      await handleArtifacts(engine, req, res, rawPath, search);
      return true;
    }
    const name = rawPath.slice(rawPath.startsWith(API) ? API.length : AJAX_API.length);
    const h = handlers[name];
    if (!h) {
      sendJson(res, 404, { error_code: 'ENDPOINT_NOT_FOUND', message: `Lathe does not serve the MLflow endpoint "${name.slice(0, 100)}"` });
      return true;
    }
    const method = req.method ?? 'GET';
    let body: Json;
    if (method === 'GET' && (h.method === 'GET' || h.alsoGet)) body = queryAsBody(search);
    else if (method === 'POST' || method === 'PATCH') {
      checkJson(req);
      const parsed = parseJson((await readBody(req, MAX_BODY)).toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new LatheError('INVALID_INPUT', 'The request body must be a JSON object');
      checkInputDepth(name, parsed);
      body = { ...(h.method === 'GET' ? queryAsBody(search) : {}), ...(parsed as Json) };
    } else {
      sendJson(res, 405, { error_code: 'BAD_REQUEST', message: `${method} is not allowed for ${name}; use ${h.method}` });
      return true;
    }
    sendJson(res, 200, await h.run(engine, body));
  } catch (e) {
    sendMlflowError(res, e, engine.home);
  }
  return true;
}
