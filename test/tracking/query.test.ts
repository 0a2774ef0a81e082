import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/main/engine/engine';
import { invoke } from '../../src/main/engine/dispatch';
import { compileRunSearch } from '../../src/main/engine/db/runSearchSql';
import { LatheError } from '../../src/shared/errors';
import { parseOrderBy, parseRunQuery } from '../../src/shared/runQuery';
import { tempEngine } from '../helpers';

let engine: Engine;
let cleanup: () => void;
const ids: Record<string, string> = {};

beforeAll(async () => {
  const t = await tempEngine();
  engine = t.engine;
  cleanup = t.cleanup;
  // A dataset version to link as an input (lineage) without importing one.
  engine.db.prepare("INSERT INTO datasets (id, name, created_at) VALUES ('d1', 'churn', '2025-01-01')").run();
  engine.db
    .prepare(
      `INSERT INTO dataset_versions (dataset_id, id, number, message, created_at, source_path, format, size, file_count, row_count, column_count, stored_bytes, profile_json)
       VALUES ('d1', 'v1hash', 1, '', '2025-01-01', '/x', 'csv', 1, 1, 1, 1, 1, '{}')`,
    )
    .run();
  const mk = async (name: string, params: Record<string, string>, metrics: Record<string, number[]>, tags: Record<string, string> = {}, status?: 'finished' | 'failed', inputs: string[] = []) => {
    const r = await invoke(engine, 'runs.create', { experiment: name.startsWith('other') ? 'other' : 'q', name, params, tags, inputs });
    const points = Object.entries(metrics).flatMap(([key, vs]) => vs.map((value, step) => ({ key, value, step })));
    if (points.length) await invoke(engine, 'runs.logMetrics', { runId: r.id, metrics: points });
    if (status) await invoke(engine, 'runs.update', { id: r.id, status });
    ids[name] = r.id;
  };
  await mk('adam-good', { optimizer: 'adam', lr: '0.01' }, { val_acc: [0.5, 0.95, 0.93], loss: [1, 0.2, 0.3] }, { team: 'ml' }, 'finished', ['v1hash']);
  await mk('adam-bad', { optimizer: 'adam', lr: '0.1' }, { val_acc: [0.4, 0.6], loss: [2, 1] }, { team: 'data' }, 'failed');
  await mk('sgd-good', { optimizer: 'sgd', lr: '0.5' }, { val_acc: [0.7, 0.91], loss: [1, 0.4] }, {}, 'finished', ['v1hash']);
  await mk('sgd-running', { optimizer: 'sgd', lr: '2' }, { val_acc: [0.1] });
  await mk('other-1', { optimizer: 'rmsprop', 'model.depth': '3', 'key with space': 'x' }, { 'train/loss': [5] });
});
afterAll(() => cleanup());

async function names(query: string, orderBy?: string): Promise<string[]> {
  const page = await invoke(engine, 'runs.search', { query, orderBy, limit: 1000 });
  return page.runs.map((r) => r.name);
}
const sorted = (xs: string[]) => [...xs].sort();

describe('run query language: results', () => {
  it.each([
    ['', ['adam-good', 'adam-bad', 'sgd-good', 'sgd-running', 'other-1']],
    ['metrics.val_acc > 0.9', ['adam-good', 'sgd-good']],
    ['max(metrics.val_acc) > 0.9', ['adam-good', 'sgd-good']],
    ['min(metrics.loss) <= 0.2', ['adam-good']],
    ['last(metrics.loss) = 0.3', ['adam-good']],
    ['params.optimizer = "adam"', ['adam-good', 'adam-bad']],
    ["params.optimizer = 'adam'", ['adam-good', 'adam-bad']],
    ['params.optimizer != "adam"', ['sgd-good', 'sgd-running', 'other-1']],
    ['params.optimizer in ("adam", "sgd")', ['adam-good', 'adam-bad', 'sgd-good', 'sgd-running']],
    ['params.optimizer not in ("adam", "sgd")', ['other-1']],
    ['params.optimizer like "s%"', ['sgd-good', 'sgd-running']],
    ['params.lr > 0.4', ['sgd-good', 'sgd-running']],
    ['params.lr = 0.1', ['adam-bad']],
    ['not params.lr = "0.1"', ['adam-good', 'sgd-good', 'sgd-running', 'other-1']],
    ['tags.team = "ml" or status = "failed"', ['adam-good', 'adam-bad']],
    ['metrics.val_acc > 0.9 and params.optimizer = "adam" and (tags.team = "ml" or status = "failed") and dataset.name = "churn" and not params.lr = "0.1"', ['adam-good']],
    ['dataset.name = "churn"', ['adam-good', 'sgd-good']],
    ['dataset.id = "v1hash"', ['adam-good', 'sgd-good']],
    ['status = finished', ['adam-good', 'sgd-good']],
    ['attributes.status = "FINISHED"', ['adam-good', 'sgd-good']],
    ['status = "running"', ['sgd-running', 'other-1']],
    ['name like "%good"', ['adam-good', 'sgd-good']],
    ['run_name = "adam-bad"', ['adam-bad']],
    ['experiment = "other"', ['other-1']],
    ['source = "api"', ['adam-good', 'adam-bad', 'sgd-good', 'sgd-running', 'other-1']],
    ['params.model.depth = "3"', ['other-1']],
    ['params."key with space" = "x"', ['other-1']],
    ['params.`key with space` = "x"', ['other-1']],
    ['metrics.train/loss >= 5', ['other-1']],
    ['tags."mlflow.runName" = "x"', []],
    ['start_time > 0 and start_time < "2999-01-01"', ['adam-good', 'adam-bad', 'sgd-good', 'sgd-running', 'other-1']],
    ['duration >= 0 and end_time > 0', ['adam-good', 'adam-bad', 'sgd-good']],
    ['duration > "1h"', []],
    ['METRICS.val_acc > 0.9 AND PARAMS.optimizer = "sgd"', ['sgd-good']],
    ['params.nothere = "x"', []],
  ])('%s', async (q, expected) => {
    expect(sorted(await names(q))).toEqual(sorted(expected));
  });

  it('orders by last, min and max of a metric, missing values last either way', async () => {
    expect(await names('params.optimizer in ("adam","sgd")', 'metrics.val_acc desc')).toEqual(['adam-good', 'sgd-good', 'adam-bad', 'sgd-running']);
    expect(await names('params.optimizer in ("adam","sgd")', 'metrics.val_acc asc')).toEqual(['sgd-running', 'adam-bad', 'sgd-good', 'adam-good']);
    expect(await names('params.optimizer in ("adam","sgd") order by max(metrics.val_acc) desc')).toEqual(['adam-good', 'sgd-good', 'adam-bad', 'sgd-running']);
    expect((await names('order by min(metrics.loss) asc')).slice(0, 3)).toEqual(['adam-good', 'sgd-good', 'adam-bad']);
    expect((await names('order by min(metrics.loss) desc')).slice(0, 3)).toEqual(['adam-bad', 'sgd-good', 'adam-good']);
    const asc = await names('', 'metrics.loss asc');
    expect(asc.slice(0, 3)).toEqual(['adam-good', 'sgd-good', 'adam-bad']);
    const desc = await names('', 'metrics.loss desc');
    expect(desc.slice(0, 3)).toEqual(['adam-bad', 'sgd-good', 'adam-good']);
    expect(await names('params.optimizer in ("adam","sgd")', 'params.lr desc')).toEqual(['sgd-running', 'sgd-good', 'adam-bad', 'adam-good']);
    expect(await names('params.optimizer in ("adam","sgd")', 'name asc')).toEqual(['adam-bad', 'adam-good', 'sgd-good', 'sgd-running']);
  });

  it('pages', async () => {
    const p1 = await invoke(engine, 'runs.search', { orderBy: 'name', limit: 2 });
    expect(p1.total).toBe(5);
    expect(p1.nextOffset).toBe(2);
    const p3 = await invoke(engine, 'runs.search', { orderBy: 'name', limit: 2, offset: 4 });
    expect(p3.runs.map((r) => r.name)).toEqual(['sgd-running']);
    expect(p3.nextOffset).toBeNull();
  });

  it('keeps hostile keys and values out of the SQL text', async () => {
    const evil = `x' OR 1=1; DROP TABLE runs; --`;
    expect(await names(`params."${evil.replace(/"/g, '""')}" = "1"`)).toEqual([]);
    expect(await names(`params.optimizer = "${evil}"`)).toEqual([]);
    expect(await names(`name = '${evil.replace(/'/g, "''")}'`)).toEqual([]);
    const compiled = compileRunSearch(parseRunQuery(`params."${evil}" = "${evil}" order by metrics."${evil}" desc`), null, { lifecycle: 'active' });
    const sql = compiled.joins + compiled.where + compiled.orderBy;
    expect(sql).not.toContain('DROP');
    expect(sql).not.toContain(evil);
    expect(compiled.whereParams).toContain(evil);
    expect(compiled.joinParams).toContain(evil);
    expect((await invoke(engine, 'runs.search', {})).total).toBe(5);
  });
});

describe('run query language: errors', () => {
  const err = (q: string) => {
    try {
      parseRunQuery(q);
    } catch (e) {
      expect(e).toBeInstanceOf(LatheError);
      return (e as LatheError).message;
    }
    throw new Error(`no error for ${q}`);
  };
  it.each([
    ['metrics.acc >', /column 14: expected a value/],
    ['metrics.acc 0.9', /column 13: expected a comparison/],
    ['params.opt = adam', /column 14: expected a value .*quotes/],
    ['(metrics.acc > 1', /column 17: expected "\)" to close the "\(" at column 1/],
    ['metrics.acc > 1 params.x = "a"', /column 17: expected "and", "or", "order by"/],
    ['foo = 1', /column 1: unknown field "foo"/],
    ['bogus.x = 1', /column 1: unknown field prefix "bogus"/],
    ['metrics.acc = "high"', /metrics.acc is a metric: compare it with a number/],
    ['status = "done"', /status is one of/],
    ['params.x = "unterminated', /column 12: this string is not closed/],
    ['params.x in "a"', /column 13: expected "\(" to start the list/],
    ['params.x in ("a" "b")', /column 18: expected "," or "\)"/],
    ['params.x = "a" order by', /expected a field/],
    ['start_time > "yesterday-ish"', /start_time compares with a time/],
    ['params.x = "a" ; drop', /column 16: unexpected character ";"/],
    ['dataset.size = 1', /unknown dataset field/],
    ['min(params.x) > 1', /applies to a metric/],
  ])('%s', (q, re) => {
    expect(err(q)).toMatch(re);
  });

  it('names the column in `where` as well', () => {
    try {
      parseRunQuery('metrics.acc > ');
    } catch (e) {
      expect((e as LatheError).where).toBe('column 15');
    }
  });

  it('errors through the contract with INVALID_INPUT', async () => {
    await expect(invoke(engine, 'runs.search', { query: 'metrics.acc >>' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(invoke(engine, 'runs.search', { orderBy: 'dataset.name' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(parseOrderBy('order by metrics.a desc, name')).toHaveLength(2);
  });

  it('refuses nesting deeper than 64 without overflowing the stack', () => {
    expect(err('('.repeat(4000) + 'status = "running"' + ')'.repeat(4000))).toMatch(/nests deeper/);
    expect(err('not '.repeat(2000) + 'status = "running"')).toMatch(/nests deeper/);
    expect(err('x'.repeat(10_001))).toMatch(/at most 10000 characters/);
  });
});

describe('run query language: fuzz', () => {
  // A deterministic PRNG so a failure is reproducible.
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const pieces = ['metrics.', 'params.', 'tags.', 'dataset.', 'status', 'name', 'acc', 'lr', '"adam"', "'x'", '`k`', '0.9', '-1', '1e9', 'nan',
    'and', 'or', 'not', 'in', 'like', 'order', 'by', 'asc', 'desc', 'max(', 'min(', 'last(', '(', ')', ',', '.', '=', '!=', '<', '<=', '>', '>=', '<>', '==',
    ' ', ' ', ' ', '"', "'", '`', '\\', '\u0000', '%', '_', ';', '--', '/*', 'DROP TABLE runs', '\n', 'é', '🙂', '\ud800'];

  it('never throws anything but a LatheError, and what parses compiles and runs', async () => {
    let parsed = 0;
    for (let i = 0; i < 4000; i++) {
      let q = '';
      const n = 1 + Math.floor(rand() * 14);
      for (let k = 0; k < n; k++) q += rand() < 0.15 ? String.fromCharCode(Math.floor(rand() * 0x3000)) : pick(pieces);
      let tree;
      try {
        tree = parseRunQuery(q);
      } catch (e) {
        if (!(e instanceof LatheError)) throw new Error(`non-LatheError for ${JSON.stringify(q)}: ${e}`);
        expect(e.code).toBe('INVALID_INPUT');
        continue;
      }
      parsed++;
      // Whatever parses must compile to SQL SQLite accepts (the query runs; results don't matter).
      const page = await invoke(engine, 'runs.search', { query: q, limit: 5 }).catch((e: unknown) => {
        if (!(e instanceof LatheError) || e.code !== 'INVALID_INPUT') throw new Error(`search failed for ${JSON.stringify(q)}: ${e}`);
        return null;
      });
      void tree;
      void page;
    }
    // Also valid-shaped random queries, so the compiler sees many trees.
    const fields = ['metrics.val_acc', 'max(metrics.loss)', 'params.lr', 'params.optimizer', 'tags.team', 'status', 'name', 'duration', 'dataset.name', 'experiment'];
    for (let i = 0; i < 400; i++) {
      const cmp = () => {
        const f = pick(fields);
        const numeric = f.includes('metrics') || f === 'duration';
        const v = f === 'status' ? pick(['"running"', '"failed"']) : numeric ? String(Math.round(rand() * 100) / 100) : pick(['"adam"', '"0.1"', '"ml"']);
        return `${f} ${pick(numeric ? ['=', '!=', '<', '>=', '>'] : ['=', '!=', 'like'])} ${v}`;
      };
      let q = cmp();
      for (let k = 0; k < Math.floor(rand() * 4); k++) q = `${pick(['', 'not '])}(${q}) ${pick(['and', 'or'])} ${cmp()}`;
      if (rand() < 0.5) q += ` order by ${pick(['metrics.loss', 'max(metrics.val_acc)', 'params.lr', 'name', 'start_time'])} ${pick(['asc', 'desc'])}`;
      await invoke(engine, 'runs.search', { query: q, limit: 5 });
      parsed++;
    }
    expect(parsed).toBeGreaterThan(400);
  });
});
