/**
 * The run query language, shared by the UI, the CLI, the HTTP door and the MLflow door:
 *
 *   metrics.val_acc > 0.9 and params.optimizer = "adam" and (tags.team = "ml" or status = "failed")
 *     and dataset.name = "churn" and not params.lr = "0.1" order by max(metrics.acc) desc
 *
 * Pure TypeScript (no Node): it parses to a `RunQuery` tree; the engine compiles that tree to SQL in
 * which every key and value is a bound parameter. Errors are LatheErrors naming the 1-based column and
 * what was expected there. Nothing thrown here is anything else, whatever the input.
 */
import { LatheError } from './errors';

export type MetricAgg = 'last' | 'min' | 'max';
export const RUN_ATTRIBUTES = ['id', 'status', 'name', 'source', 'start_time', 'end_time', 'duration', 'experiment'] as const;
export type RunAttribute = (typeof RUN_ATTRIBUTES)[number];

export type QueryField =
  | { kind: 'metric'; key: string; agg: MetricAgg }
  | { kind: 'param'; key: string }
  | { kind: 'tag'; key: string }
  | { kind: 'dataset'; attr: 'name' | 'id' }
  | { kind: 'attr'; name: RunAttribute };

export type QueryValue = { kind: 'string'; value: string } | { kind: 'number'; value: number; text: string };
export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'like' | 'in' | 'not in';

export type QueryExpr =
  | { type: 'and' | 'or'; left: QueryExpr; right: QueryExpr }
  | { type: 'not'; expr: QueryExpr }
  | { type: 'compare'; field: QueryField; op: CompareOp; values: QueryValue[]; column: number };

export interface OrderTerm {
  field: QueryField;
  dir: 'asc' | 'desc';
}

export interface RunQuery {
  where: QueryExpr | null;
  orderBy: OrderTerm[];
}

export const MAX_QUERY_LENGTH = 10_000;
const MAX_DEPTH = 64;
const MAX_IN_VALUES = 1000;

type TokKind = 'word' | 'string' | 'quoted' | 'number' | 'op' | '(' | ')' | ',' | '.' | 'end';
interface Token {
  kind: TokKind;
  text: string;
  /** Decoded value for strings and quoted identifiers. */
  value: string;
  column: number;
}

function fail(column: number, message: string): never {
  throw new LatheError('INVALID_INPUT', `Query error at column ${column}: ${message}`, {
    where: `column ${column}`,
    hint: 'Example: metrics.val_acc > 0.9 and params.optimizer = "adam" order by metrics.loss asc',
  });
}

const describe = (t: Token) => (t.kind === 'end' ? 'the end of the query' : `"${t.text.length > 30 ? t.text.slice(0, 30) + '…' : t.text}"`);

const WORD_START = /[A-Za-z_]/;
const WORD_CHAR = /[A-Za-z0-9_\-/:.]/;
const NUMBER_RE = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/;

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const column = i + 1;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= src.length) fail(column, `this ${c === '`' ? 'quoted name' : 'string'} is not closed (expected a closing ${c})`);
        const d = src[j];
        if (d === '\\' && j + 1 < src.length) {
          const e = src[j + 1];
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          j += 2;
          continue;
        }
        if (d === c) {
          // A doubled quote inside a string stands for the quote itself, as in SQL.
          if (src[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          break;
        }
        value += d;
        j++;
      }
      tokens.push({ kind: c === '`' ? 'quoted' : 'string', text: src.slice(i, j + 1), value, column });
      i = j + 1;
      continue;
    }
    const num = NUMBER_RE.exec(src.slice(i, i + 400));
    if (num && (/\d/.test(c) || ((c === '-' || c === '+' || c === '.') && num[0].length > 1))) {
      // A number directly followed by word characters (1st, 2e5x) is one word, not a number.
      const after = src[i + num[0].length];
      if (after === undefined || !/[A-Za-z_]/.test(after)) {
        tokens.push({ kind: 'number', text: num[0], value: num[0], column });
        i += num[0].length;
        continue;
      }
    }
    if (WORD_START.test(c) || /\d/.test(c)) {
      let j = i + 1;
      while (j < src.length && WORD_CHAR.test(src[j])) j++;
      // A trailing dot belongs to the next part (`metrics."a b"`).
      if (src[j - 1] === '.' && j - 1 > i) j--;
      tokens.push({ kind: 'word', text: src.slice(i, j), value: src.slice(i, j), column });
      i = j;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=' || two === '==') {
      tokens.push({ kind: 'op', text: two, value: two === '<>' ? '!=' : two === '==' ? '=' : two, column });
      i += 2;
      continue;
    }
    if (c === '=' || c === '<' || c === '>') {
      tokens.push({ kind: 'op', text: c, value: c, column });
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === '.') {
      tokens.push({ kind: c, text: c, value: c, column });
      i++;
      continue;
    }
    fail(column, `unexpected character "${c === '\u0000' ? '\\0' : c}"`);
  }
  tokens.push({ kind: 'end', text: '', value: '', column: src.length + 1 });
  return tokens;
}

const PREFIXES: Record<string, 'metric' | 'param' | 'tag' | 'dataset' | 'attr'> = {
  metrics: 'metric',
  metric: 'metric',
  params: 'param',
  param: 'param',
  parameters: 'param',
  parameter: 'param',
  tags: 'tag',
  tag: 'tag',
  dataset: 'dataset',
  datasets: 'dataset',
  attributes: 'attr',
  attribute: 'attr',
  attr: 'attr',
  run: 'attr',
};

const ATTR_ALIASES: Record<string, RunAttribute> = {
  id: 'id',
  run_id: 'id',
  run_uuid: 'id',
  status: 'status',
  name: 'name',
  run_name: 'name',
  source: 'source',
  start_time: 'start_time',
  start: 'start_time',
  created: 'start_time',
  end_time: 'end_time',
  end: 'end_time',
  duration: 'duration',
  experiment: 'experiment',
  experiment_name: 'experiment',
};

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'like', 'ilike', 'order', 'by', 'asc', 'desc']);
const STATUS_VALUES: Record<string, string> = {
  running: 'running',
  finished: 'finished',
  failed: 'failed',
  killed: 'killed',
  scheduled: 'running',
};
const SOURCE_VALUES = new Set(['built-in', 'script', 'api']);

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)];
  }
  private next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }
  private isWord(t: Token, w: string): boolean {
    return t.kind === 'word' && t.text.toLowerCase() === w;
  }

  parseQuery(): RunQuery {
    let where: QueryExpr | null = null;
    if (this.peek().kind !== 'end' && !this.atOrderBy()) where = this.parseOr();
    let orderBy: OrderTerm[] = [];
    if (this.atOrderBy()) {
      this.next();
      this.next();
      orderBy = this.parseOrderList();
    }
    const t = this.peek();
    if (t.kind !== 'end') {
      fail(t.column, `expected "and", "or", "order by" or the end of the query, found ${describe(t)}`);
    }
    return { where, orderBy };
  }

  parseOrderOnly(): OrderTerm[] {
    if (this.atOrderBy()) {
      this.next();
      this.next();
    }
    const list = this.parseOrderList();
    const t = this.peek();
    if (t.kind !== 'end') fail(t.column, `expected "," or the end of the order, found ${describe(t)}`);
    return list;
  }

  private atOrderBy(): boolean {
    return this.isWord(this.peek(), 'order') && this.isWord(this.peek(1), 'by');
  }

  private parseOrderList(): OrderTerm[] {
    const terms: OrderTerm[] = [];
    for (;;) {
      const field = this.parseField(true);
      let dir: 'asc' | 'desc' = 'asc';
      const t = this.peek();
      if (this.isWord(t, 'asc') || this.isWord(t, 'desc')) {
        dir = t.text.toLowerCase() as 'asc' | 'desc';
        this.next();
      }
      terms.push({ field, dir });
      if (terms.length > 10) fail(t.column, 'at most 10 order terms');
      if (this.peek().kind !== ',') break;
      this.next();
    }
    return terms;
  }

  private enter(column: number) {
    if (++this.depth > MAX_DEPTH) fail(column, `the query nests deeper than ${MAX_DEPTH} levels`);
  }

  private parseOr(): QueryExpr {
    let left = this.parseAnd();
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      left = { type: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): QueryExpr {
    let left = this.parseNot();
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      left = { type: 'and', left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): QueryExpr {
    const t = this.peek();
    if (this.isWord(t, 'not')) {
      this.next();
      this.enter(t.column);
      const expr = this.parseNot();
      this.depth--;
      return { type: 'not', expr };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): QueryExpr {
    const t = this.peek();
    if (t.kind === '(') {
      this.next();
      this.enter(t.column);
      const e = this.parseOr();
      this.depth--;
      const close = this.next();
      if (close.kind !== ')') fail(close.column, `expected ")" to close the "(" at column ${t.column}, found ${describe(close)}`);
      return e;
    }
    return this.parseComparison();
  }

  private parseComparison(): QueryExpr {
    const start = this.peek();
    const field = this.parseField(false);
    const opTok = this.next();
    let op: CompareOp;
    if (opTok.kind === 'op') op = opTok.value as CompareOp;
    else if (this.isWord(opTok, 'like') || this.isWord(opTok, 'ilike')) op = 'like';
    else if (this.isWord(opTok, 'in')) op = 'in';
    else if (this.isWord(opTok, 'not') && this.isWord(this.peek(), 'in')) {
      this.next();
      op = 'not in';
    } else {
      fail(opTok.column, `expected a comparison (= != < <= > >= like in) after ${fieldName(field)}, found ${describe(opTok)}`);
    }
    let values: QueryValue[];
    if (op === 'in' || op === 'not in') {
      const open = this.next();
      if (open.kind !== '(') fail(open.column, `expected "(" to start the list after "in", found ${describe(open)}`);
      values = [];
      for (;;) {
        values.push(this.parseValue(field));
        if (values.length > MAX_IN_VALUES) fail(this.peek().column, `an "in" list has at most ${MAX_IN_VALUES} values`);
        const sep = this.next();
        if (sep.kind === ')') break;
        if (sep.kind !== ',') fail(sep.column, `expected "," or ")" in the list, found ${describe(sep)}`);
      }
    } else {
      values = [this.parseValue(field)];
    }
    checkTypes(field, op, values, opTok.column);
    return { type: 'compare', field, op, values, column: start.column };
  }

  private parseValue(field: QueryField): QueryValue {
    const t = this.next();
    if (t.kind === 'string') return { kind: 'string', value: t.value };
    if (t.kind === 'number') {
      const n = Number(t.text);
      if (!Number.isFinite(n)) fail(t.column, `the number ${t.text} is too large`);
      return { kind: 'number', value: n, text: t.text };
    }
    if (t.kind === 'word') {
      const w = t.text.toLowerCase();
      if (w === 'nan') return { kind: 'number', value: NaN, text: 'NaN' };
      if (w === 'inf' || w === 'infinity') return { kind: 'number', value: Infinity, text: 'Infinity' };
      // Bare words are allowed for the enumerated attributes: status = finished.
      if (field.kind === 'attr' && (field.name === 'status' || field.name === 'source') && !KEYWORDS.has(w)) {
        return { kind: 'string', value: t.text };
      }
      fail(t.column, `expected a value (a "quoted string" or a number), found ${describe(t)}; put text in quotes`);
    }
    fail(t.column, `expected a value (a "quoted string" or a number), found ${describe(t)}`);
  }

  private parseField(ordering: boolean): QueryField {
    const t = this.next();
    if (t.kind !== 'word') {
      fail(t.column, `expected a field such as metrics.<key>, params.<key>, tags.<key>, dataset.name or ${RUN_ATTRIBUTES.join(', ')}; found ${describe(t)}`);
    }
    const lower = t.text.toLowerCase();
    // last(metrics.x), min(metrics.x), max(metrics.x)
    if ((lower === 'last' || lower === 'min' || lower === 'max') && this.peek().kind === '(') {
      this.next();
      const inner = this.parseField(ordering);
      if (inner.kind !== 'metric') fail(t.column, `${lower}(...) applies to a metric, as in ${lower}(metrics.loss)`);
      const close = this.next();
      if (close.kind !== ')') fail(close.column, `expected ")" after ${lower}(${fieldName(inner)}, found ${describe(close)}`);
      return { kind: 'metric', key: inner.key, agg: lower };
    }
    const dot = t.text.indexOf('.');
    const head = (dot < 0 ? t.text : t.text.slice(0, dot)).toLowerCase();
    let rest = dot < 0 ? '' : t.text.slice(dot + 1);
    const prefix = PREFIXES[head];
    if (dot < 0 && prefix === undefined) {
      const attr = ATTR_ALIASES[lower];
      if (attr) return { kind: 'attr', name: attr };
      fail(t.column, `unknown field "${t.text}": expected metrics.<key>, params.<key>, tags.<key>, dataset.name or one of ${RUN_ATTRIBUTES.join(', ')}`);
    }
    if (prefix === undefined) {
      fail(t.column, `unknown field prefix "${t.text.slice(0, dot)}": expected metrics., params., tags., dataset. or attributes.`);
    }
    if (rest === '') {
      // `metrics."key with spaces"` or `metrics.`key``: the key comes as the next token after a dot.
      const d = this.next();
      if (d.kind !== '.') fail(d.column, `expected "." and a key after "${t.text}", found ${describe(d)}`);
      const k = this.next();
      if (k.kind === 'string' || k.kind === 'quoted' || k.kind === 'word' || k.kind === 'number') rest = k.value;
      else fail(k.column, `expected a key after "${t.text}.", found ${describe(k)}`);
      if (rest === '') fail(k.column, 'a key cannot be empty');
    }
    switch (prefix) {
      case 'metric':
        return { kind: 'metric', key: rest, agg: 'last' };
      case 'param':
        return { kind: 'param', key: rest };
      case 'tag':
        return { kind: 'tag', key: rest };
      case 'dataset': {
        const a = rest.toLowerCase();
        if (a === 'name') return { kind: 'dataset', attr: 'name' };
        if (a === 'id' || a === 'version' || a === 'digest') return { kind: 'dataset', attr: 'id' };
        return fail(t.column, `unknown dataset field "${rest}": expected dataset.name or dataset.id`);
      }
      case 'attr': {
        const a = ATTR_ALIASES[rest.toLowerCase()];
        if (!a) fail(t.column, `unknown attribute "${rest}": expected one of ${RUN_ATTRIBUTES.join(', ')}`);
        if (ordering && a === 'id') return { kind: 'attr', name: a };
        return { kind: 'attr', name: a };
      }
    }
  }
}

function fieldName(f: QueryField): string {
  switch (f.kind) {
    case 'metric':
      return f.agg === 'last' ? `metrics.${f.key}` : `${f.agg}(metrics.${f.key})`;
    case 'param':
      return `params.${f.key}`;
    case 'tag':
      return `tags.${f.key}`;
    case 'dataset':
      return `dataset.${f.attr}`;
    case 'attr':
      return f.name;
  }
}
export { fieldName as queryFieldName };

const TIME_ATTRS = new Set<RunAttribute>(['start_time', 'end_time']);

/** Parses "90", "90s", "5m", "2h", "1d", "250ms" to milliseconds; seconds when there is no unit. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as Record<string, number>)[unit];
}

function checkTypes(field: QueryField, op: CompareOp, values: QueryValue[], column: number): void {
  const name = fieldName(field);
  const ordered = op === '<' || op === '<=' || op === '>' || op === '>=';
  for (const v of values) {
    if (field.kind === 'metric' && v.kind !== 'number') fail(column, `${name} is a metric: compare it with a number, not a string`);
    if (field.kind === 'metric' && op === 'like') fail(column, `${name} is a metric: "like" applies to text`);
    if (field.kind === 'attr' && field.name === 'status') {
      if (v.kind !== 'string' && op !== 'like') fail(column, 'status is one of "running", "finished", "failed", "killed"');
      if (op !== 'like' && STATUS_VALUES[v.kind === 'string' ? v.value.toLowerCase() : ''] === undefined) {
        fail(column, `status is one of "running", "finished", "failed", "killed", not "${v.kind === 'string' ? v.value : v.text}"`);
      }
      if (ordered) fail(column, 'status compares with = != in like');
    }
    if (field.kind === 'attr' && field.name === 'source' && op !== 'like' && !(v.kind === 'string' && SOURCE_VALUES.has(v.value.toLowerCase()))) {
      fail(column, 'source is one of "built-in", "script", "api"');
    }
    if (field.kind === 'attr' && TIME_ATTRS.has(field.name) && v.kind === 'string' && Number.isNaN(Date.parse(v.value))) {
      fail(column, `${name} compares with a time: milliseconds since 1970 or a date such as "2025-01-31" or "2025-01-31T12:00:00Z"`);
    }
    if (field.kind === 'attr' && field.name === 'duration' && v.kind === 'string' && parseDuration(v.value) === undefined) {
      fail(column, 'duration compares with seconds (90) or a length such as "90s", "5m", "2h"');
    }
    if (field.kind === 'attr' && TIME_ATTRS.has(field.name) && op === 'like') fail(column, `${name} is a time: "like" applies to text`);
    if (field.kind === 'attr' && field.name === 'duration' && op === 'like') fail(column, 'duration is a length of time: "like" applies to text');
    if (op === 'like' && v.kind !== 'string') fail(column, '"like" takes a "quoted pattern" (% any text, _ one character)');
    if (v.kind === 'number' && Number.isNaN(v.value) && field.kind !== 'metric') fail(column, 'NaN only compares with metrics');
  }
}

/** Parses a whole query: an optional filter, then an optional `order by`. */
export function parseRunQuery(text: string): RunQuery {
  if (typeof text !== 'string') throw new LatheError('INVALID_INPUT', 'A query is text');
  if (text.length > MAX_QUERY_LENGTH) fail(MAX_QUERY_LENGTH + 1, `a query has at most ${MAX_QUERY_LENGTH} characters`);
  try {
    return new Parser(tokenize(text)).parseQuery();
  } catch (e) {
    if (e instanceof LatheError) throw e;
    throw new LatheError('INVALID_INPUT', `The query could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Parses an order on its own: `metrics.loss asc, max(metrics.acc) desc` (a leading `order by` is fine). */
export function parseOrderBy(text: string): OrderTerm[] {
  if (text.length > MAX_QUERY_LENGTH) fail(MAX_QUERY_LENGTH + 1, `an order has at most ${MAX_QUERY_LENGTH} characters`);
  if (text.trim() === '') return [];
  try {
    return new Parser(tokenize(text)).parseOrderOnly();
  } catch (e) {
    if (e instanceof LatheError) throw e;
    throw new LatheError('INVALID_INPUT', `The order could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Canonical status spelling for a status value written in a query (FINISHED, finished, scheduled...). */
export function normaliseStatus(v: string): string {
  return STATUS_VALUES[v.toLowerCase()] ?? v.toLowerCase();
}

/** Every key a query mentions, by kind (for autocomplete and for checking keys exist). */
export function queryKeys(q: RunQuery): { metrics: string[]; params: string[]; tags: string[] } {
  const out = { metrics: new Set<string>(), params: new Set<string>(), tags: new Set<string>() };
  const visitField = (f: QueryField) => {
    if (f.kind === 'metric') out.metrics.add(f.key);
    if (f.kind === 'param') out.params.add(f.key);
    if (f.kind === 'tag') out.tags.add(f.key);
  };
  const visit = (e: QueryExpr | null) => {
    if (!e) return;
    if (e.type === 'compare') visitField(e.field);
    else if (e.type === 'not') visit(e.expr);
    else {
      visit(e.left);
      visit(e.right);
    }
  };
  visit(q.where);
  q.orderBy.forEach((o) => visitField(o.field));
  return { metrics: [...out.metrics], params: [...out.params], tags: [...out.tags] };
}
