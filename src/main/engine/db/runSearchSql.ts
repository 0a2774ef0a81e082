import { LatheError } from '../../../shared/errors';
import { normaliseStatus, parseDuration, type OrderTerm, type QueryExpr, type QueryField, type QueryValue, type RunQuery } from '../../../shared/runQuery';
import type { Lifecycle } from '../../../shared/tracking';
import type { CompiledSearch } from './trackingRepo';

/**
 * Compiles a parsed RunQuery to SQL over `runs r JOIN experiments e`. The SQL text is built only from
 * fixed fragments chosen by the tree's shape; every key and every value the user wrote is a `?`
 * parameter. Filters are EXISTS sub-queries on the (run_id, key) primary keys, so a filtered page over
 * tens of thousands of runs stays an index walk.
 */

const SQL_OPS: Record<string, string> = { '=': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=', like: 'LIKE' };
const AGG_COLUMN = { last: 'last', min: 'min', max: 'max' } as const;

interface Fragment {
  sql: string;
  params: unknown[];
}

function timeValue(v: QueryValue): number {
  return v.kind === 'number' ? v.value : Date.parse(v.value);
}

function durationValue(v: QueryValue): number {
  return v.kind === 'number' ? v.value * 1000 : (parseDuration(v.value) as number);
}

/** `<expr> op ?` or `<expr> [NOT] IN (?, ?...)` with the values pushed onto params. */
function comparison(expr: string, op: string, values: unknown[], params: unknown[]): string {
  if (op === 'in' || op === 'not in') {
    params.push(...values);
    return `${expr} ${op === 'in' ? 'IN' : 'NOT IN'} (${values.map(() => '?').join(', ')})`;
  }
  params.push(values[0]);
  return `${expr} ${SQL_OPS[op]} ?`;
}

/** MLflow keeps the run name and notes as tags; Lathe keeps them as run fields. */
function mlflowAlias(f: QueryField): QueryField {
  if (f.kind === 'tag' && f.key === 'mlflow.runName') return { kind: 'attr', name: 'name' };
  return f;
}

function compileCompare(rawField: QueryField, op: string, values: QueryValue[]): Fragment {
  const field = mlflowAlias(rawField);
  const params: unknown[] = [];
  switch (field.kind) {
    case 'metric': {
      params.push(field.key);
      const col = `m.${AGG_COLUMN[field.agg]}`;
      const nums = values.map((v) => (v as { value: number }).value);
      // NaN is stored as NULL: `= NaN` finds NaN values, `!= NaN` finds the rest.
      if (nums.some((n) => Number.isNaN(n))) {
        if (op !== '=' && op !== '!=') throw new LatheError('INVALID_INPUT', 'NaN compares only with = and !=');
        return { sql: `EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_id = r.id AND m.key = ? AND m.count > 0 AND ${col} IS ${op === '=' ? '' : 'NOT '}NULL)`, params };
      }
      const cond = comparison(col, op, nums, params);
      return { sql: `EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_id = r.id AND m.key = ? AND m.count > 0 AND ${cond})`, params };
    }
    case 'param':
    case 'tag': {
      const table = field.kind === 'param' ? 'params' : 'run_tags';
      params.push(field.key);
      const ordered = op === '<' || op === '<=' || op === '>' || op === '>=';
      // Params and tags are text; ordered comparisons with a number compare numerically.
      const useNumber = ordered && values[0].kind === 'number';
      const expr = useNumber ? 'CAST(x.value AS REAL)' : 'x.value';
      const vals = values.map((v) => (useNumber ? (v as { value: number }).value : v.kind === 'string' ? v.value : v.text));
      const cond = comparison(expr, op, vals, params);
      return { sql: `EXISTS (SELECT 1 FROM ${table} x WHERE x.run_id = r.id AND x.key = ? AND ${cond})`, params };
    }
    case 'dataset': {
      const vals = values.map((v) => (v.kind === 'string' ? v.value : v.text));
      const target = field.attr === 'name' ? 'd.name' : 'l.from_id';
      const cond = comparison(target, op, vals, params);
      const join = field.attr === 'name' ? 'JOIN dataset_versions v ON v.id = l.from_id JOIN datasets d ON d.id = v.dataset_id' : '';
      return {
        sql: `EXISTS (SELECT 1 FROM lineage l ${join} WHERE l.to_kind = 'run' AND l.to_id = r.id AND l.from_kind = 'dataset_version' AND l.relation = 'input' AND ${cond})`,
        params,
      };
    }
    case 'attr': {
      const text = (v: QueryValue) => (v.kind === 'string' ? v.value : v.text);
      switch (field.name) {
        case 'id':
          return { sql: comparison('r.id', op, values.map(text), params), params };
        case 'name':
          return { sql: comparison('r.name', op, values.map(text), params), params };
        case 'experiment':
          return { sql: comparison('e.name', op, values.map(text), params), params };
        case 'status':
          return { sql: comparison('r.status', op, values.map((v) => (op === 'like' ? text(v) : normaliseStatus(text(v)))), params), params };
        case 'source':
          return { sql: comparison('r.source', op, values.map((v) => (op === 'like' ? text(v) : text(v).toLowerCase())), params), params };
        case 'start_time':
          return { sql: comparison('r.start_time', op, values.map(timeValue), params), params };
        case 'end_time':
          return { sql: comparison('r.end_time', op, values.map(timeValue), params), params };
        case 'duration':
          return { sql: comparison(DURATION_SQL, op, values.map(durationValue), params), params };
      }
    }
  }
}

const DURATION_SQL = "(coalesce(r.end_time, CAST(unixepoch('subsec') * 1000 AS INTEGER)) - r.start_time)";

function compileExpr(e: QueryExpr, depth = 0): Fragment {
  if (depth > 200) throw new LatheError('INVALID_INPUT', 'The query nests too deeply');
  switch (e.type) {
    case 'compare':
      return compileCompare(e.field, e.op, e.values);
    case 'not': {
      const f = compileExpr(e.expr, depth + 1);
      return { sql: `NOT (${f.sql})`, params: f.params };
    }
    case 'and':
    case 'or': {
      const l = compileExpr(e.left, depth + 1);
      const r = compileExpr(e.right, depth + 1);
      return { sql: `(${l.sql}) ${e.type === 'and' ? 'AND' : 'OR'} (${r.sql})`, params: [...l.params, ...r.params] };
    }
  }
}

/** ORDER BY terms; metric/param/tag keys join their table under a numbered alias with a bound key. */
function compileOrder(terms: OrderTerm[]): { joins: string; joinParams: unknown[]; orderBy: string } {
  const joins: string[] = [];
  const joinParams: unknown[] = [];
  const parts: string[] = [];
  terms.forEach((t, i) => {
    const dir = t.dir === 'desc' ? 'DESC' : 'ASC';
    const f = mlflowAlias(t.field);
    let expr: string;
    switch (f.kind) {
      case 'metric':
        joins.push(`LEFT JOIN latest_metrics o${i} ON o${i}.run_id = r.id AND o${i}.key = ?`);
        joinParams.push(f.key);
        expr = `o${i}.${AGG_COLUMN[f.agg]}`;
        // Runs without the metric (or with NaN) go last whichever the direction.
        parts.push(`(${expr} IS NULL) ASC`, `${expr} ${dir}`);
        return;
      case 'param':
      case 'tag': {
        const table = f.kind === 'param' ? 'params' : 'run_tags';
        joins.push(`LEFT JOIN ${table} o${i} ON o${i}.run_id = r.id AND o${i}.key = ?`);
        joinParams.push(f.key);
        // Params and tags are text: numbers sort as numbers (text values count as 0), then as text.
        parts.push(`(o${i}.value IS NULL) ASC`, `CAST(o${i}.value AS REAL) ${dir}`, `o${i}.value ${dir}`);
        return;
      }
      case 'dataset':
        throw new LatheError('INVALID_INPUT', 'Runs cannot be ordered by dataset; order by a metric, param, tag or attribute');
      case 'attr': {
        const col = {
          id: 'r.id',
          name: 'r.name',
          status: 'r.status',
          source: 'r.source',
          start_time: 'r.start_time',
          end_time: 'r.end_time',
          duration: DURATION_SQL,
          experiment: 'e.name',
        }[f.name];
        parts.push(`(${col} IS NULL) ASC`, `${col} ${dir}`);
        return;
      }
    }
  });
  parts.push('r.start_time DESC', 'r.id ASC');
  return { joins: joins.join(' '), joinParams, orderBy: parts.join(', ') };
}

export interface SearchScope {
  experimentIds?: string[];
  lifecycle: Lifecycle;
}

export function compileRunSearch(q: RunQuery, orderOverride: OrderTerm[] | null, scope: SearchScope): CompiledSearch {
  const where: string[] = [];
  const whereParams: unknown[] = [];
  if (scope.lifecycle === 'active') where.push('r.deleted_at IS NULL');
  else if (scope.lifecycle === 'deleted') where.push('r.deleted_at IS NOT NULL');
  if (scope.experimentIds && scope.experimentIds.length > 0) {
    where.push(`r.experiment_id IN (${scope.experimentIds.map(() => '?').join(', ')})`);
    whereParams.push(...scope.experimentIds);
  }
  if (q.where) {
    const f = compileExpr(q.where);
    where.push(`(${f.sql})`);
    whereParams.push(...f.params);
  }
  const order = compileOrder(orderOverride && orderOverride.length > 0 ? orderOverride : q.orderBy);
  return { joins: order.joins, joinParams: order.joinParams, where: where.length ? where.join(' AND ') : '1', whereParams, orderBy: order.orderBy };
}
