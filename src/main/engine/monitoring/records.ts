import { LatheError } from '../../../shared/errors';
import { FUTURE_TOLERANCE_MS, labelRecordSchema, outcomeRecordSchema, predictionRecordSchema, type LabelRecord, type OutcomeRecord, type PredictionRecord } from '../../../shared/monitoring';

/**
 * Turning a line into a checked record. The hot path is a structural check that accepts exactly what
 * `predictionRecordSchema` accepts (a test holds the two together); anything it refuses goes through
 * the zod schema for the message, so errors read the same at every door.
 */
export type Checked<T> = { ok: true; record: T } | { ok: false; message: string };

function zodMessage(e: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const i = e.issues[0];
  const path = i.path.map(String).join('.');
  return path ? `${path}: ${i.message}` : i.message;
}

const isCell = (v: unknown) => v === null || typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 10_000);

function fastCheck(o: unknown): o is PredictionRecord {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return false;
  const r = o as Record<string, unknown>;
  if (r.v !== undefined && r.v !== 1) return false;
  if (typeof r.requestId !== 'string' || r.requestId.length === 0 || r.requestId.length > 200) return false;
  if (!((typeof r.time === 'string' && r.time.length > 0 && r.time.length <= 64) || (typeof r.time === 'number' && Number.isFinite(r.time)))) return false;
  if (typeof r.model !== 'string' || r.model.length === 0 || r.model.length > 200) return false;
  if (typeof r.version !== 'number' || !Number.isInteger(r.version) || r.version < 1) return false;
  if (r.alias !== undefined && r.alias !== null && (typeof r.alias !== 'string' || r.alias.length > 100)) return false;
  if (r.latencyMs !== undefined && (typeof r.latencyMs !== 'number' || !(r.latencyMs >= 0))) return false;
  const f = r.features;
  if (typeof f !== 'object' || f === null || Array.isArray(f)) return false;
  for (const k in f) if (k.length > 500 || !isCell((f as Record<string, unknown>)[k])) return false;
  const out = r.output as Record<string, unknown> | null;
  if (typeof out !== 'object' || out === null || Array.isArray(out)) return false;
  const p = out.prediction;
  if (!((typeof p === 'string' && p.length <= 500) || (typeof p === 'number' && Number.isFinite(p)))) return false;
  if (out.probabilities !== undefined) {
    const pr = out.probabilities;
    if (typeof pr !== 'object' || pr === null || Array.isArray(pr)) return false;
    for (const k in pr) if (k.length > 500 || typeof (pr as Record<string, unknown>)[k] !== 'number' || !Number.isFinite((pr as Record<string, number>)[k])) return false;
  }
  return true;
}

export function checkPrediction(o: unknown): Checked<PredictionRecord> {
  if (fastCheck(o)) return { ok: true, record: o };
  const r = predictionRecordSchema.safeParse(o);
  return r.success ? { ok: true, record: r.data } : { ok: false, message: zodMessage(r.error) };
}

export function checkLabel(o: unknown): Checked<LabelRecord> {
  const r = labelRecordSchema.safeParse(o);
  return r.success ? { ok: true, record: r.data } : { ok: false, message: zodMessage(r.error) };
}

export function checkOutcome(o: unknown): Checked<OutcomeRecord> {
  const r = outcomeRecordSchema.safeParse(o);
  return r.success ? { ok: true, record: r.data } : { ok: false, message: zodMessage(r.error) };
}

/** A record's time in ms since 1970, or an error message. ISO strings must carry an offset or Z. */
export function timeOf(t: string | number): number | string {
  if (typeof t === 'number') return Number.isFinite(t) ? t : 'time: not a finite number';
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(t)) return `time: "${t.slice(0, 40)}" is not an ISO 8601 time with an offset (e.g. 2026-12-01T10:00:00Z)`;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : `time: "${t.slice(0, 40)}" is not a valid time`;
}

export function isFuture(ms: number, now: number): boolean {
  return ms > now + FUTURE_TOLERANCE_MS;
}

/** One CSV line split into fields (RFC 4180 quotes; no embedded newlines). */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= line.length) throw new LatheError('BAD_FILE', 'an unterminated quoted field');
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            s += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += line[i++];
      }
      out.push(s);
      if (line[i] === ',') i++;
      else if (i < line.length) throw new LatheError('BAD_FILE', 'text after a quoted field');
      else break;
    } else {
      const j = line.indexOf(',', i);
      if (j < 0) {
        out.push(line.slice(i).trim());
        break;
      }
      out.push(line.slice(i, j).trim());
      i = j + 1;
    }
  }
  return out;
}

/**
 * A labels or outcomes file line as a record: `request_id,label` or `request_id,outcome,value`
 * (a header line naming `request_id` is skipped; a two-column outcomes header names the outcome).
 */
export function labelFromCsv(fields: string[]): unknown {
  const [requestId, label] = fields;
  if (fields.length !== 2) return { requestId, label, extra: 'expected 2 fields: request_id,label' };
  return { requestId, label };
}

export function outcomeFromCsv(fields: string[], header: string[] | null): unknown {
  if (header && header.length === 2 && fields.length === 2) return { requestId: fields[0], outcome: header[1], value: toNumber(fields[1]) };
  if (fields.length !== 3) return { requestId: fields[0], outcome: fields[1], value: fields[2], extra: 'expected 3 fields: request_id,outcome,value' };
  return { requestId: fields[0], outcome: fields[1], value: toNumber(fields[2]) };
}

function toNumber(s: string | undefined): number | string | undefined {
  if (s === undefined) return s;
  const n = Number(s);
  return s.trim() !== '' && Number.isFinite(n) ? n : s;
}

/** A parsed line judged for one ingest: the record and its time, or why it is refused (`future` counted apart). */
export type Accepted = { ok: true; record: PredictionRecord; time: number } | { ok: false; message: string; future?: true };

/**
 * Every check a logged prediction passes before it is batched (the same in the ingest's thread and
 * in the parse worker): the schema, the model and version the ingest was asked for, a valid time
 * not past `futureAfter`.
 */
export function acceptPrediction(v: unknown, model: string, version: number | null, futureAfter: number): Accepted {
  const c = checkPrediction(v);
  if (!c.ok) return c;
  const rec = c.record;
  if (rec.model !== model) return { ok: false, message: `model "${rec.model}" is not ${model}` };
  if (version !== null && rec.version !== version) return { ok: false, message: `version ${rec.version} is not ${version} (the ref given)` };
  const t = timeOf(rec.time);
  if (typeof t === 'string') return { ok: false, message: t };
  if (t > futureAfter) return { ok: false, message: `time ${new Date(t).toISOString()} is in the future (more than 5 minutes ahead of this clock)`, future: true };
  return { ok: true, record: rec, time: t };
}
