import { KEYS_PER_INSERT, type MonitoringRepo, type RequestPageRow } from '../db/monitoringRepo';
import { nextKey, requestKeyer } from './requestKeys';

/**
 * The request index (migration 13): what makes ingest idempotent by request id and lets late labels
 * and outcomes join a request. A key table maps each request's integer key (requestKeys.ts) to the
 * page holding it; a page holds one batch's requests of one window, version and alias as columns.
 * Ingest inserts keys in bulk and learns which were free from the insert itself; only a key that
 * was taken costs a lookup of the stored ids (a duplicate, or a collision that probes the next key).
 * One instance per ingest or join: it caches the pages it reads, and pages change only through it.
 */

/** A page read back: its requests by id, and their columns. */
export interface LoadedPage {
  row: RequestPageRow;
  index: Map<string, number>;
  predictions: (string | number)[];
  labels: (string | null)[] | null;
  dirty: boolean;
}

/** A request found by id: its page (window, version, alias) and position there. */
export interface FoundRequest {
  page: LoadedPage;
  at: number;
  version: number;
  alias: string;
  windowStart: number;
  prediction: string;
  label: string | null;
}

/** A new page's columns, filled by the ingest as rows prove new. */
export interface PageColumns {
  id: number;
  start: number;
  version: number;
  alias: string;
  ids: string[];
  times: number[];
  predictions: (string | number)[];
  probs: (number[] | null)[];
}

export class RequestIndex {
  readonly keyOf: (requestId: string) => number;
  private readonly pages = new Map<number, LoadedPage>();

  constructor(
    private readonly repo: MonitoringRepo,
    private readonly model: string,
  ) {
    this.keyOf = requestKeyer(model);
  }

  private load(id: number): LoadedPage | undefined {
    let p = this.pages.get(id);
    if (p) return p;
    const row = this.repo.page(id);
    if (!row) return undefined;
    const ids = JSON.parse(row.ids_json) as string[];
    const index = new Map<string, number>();
    for (let i = 0; i < ids.length; i++) index.set(ids[i], i);
    p = { row, index, predictions: JSON.parse(row.predictions_json) as (string | number)[], labels: row.labels_json ? (JSON.parse(row.labels_json) as (string | null)[]) : null, dirty: false };
    this.pages.set(id, p);
    return p;
  }

  /**
   * Claims ids for pages, inside the caller's transaction: `fresh[i]` is 1 when `ids[i]` was new
   * (now indexed at `pages[i]`), 0 for a duplicate (indexed before, or earlier in this list). Every
   * page given is new (numbered from `repo.nextPageId()` in this transaction).
   */
  claim(ids: readonly string[], keys: readonly number[], pages: readonly number[]): Uint8Array {
    const n = ids.length;
    const fresh = new Uint8Array(n);
    // Keys claimed by this list, and by which id (probing and duplicates inside the list ask it).
    const claimed = new Map<number, string>();
    let listed = 0;
    let firstPage = Infinity;
    for (let i = 0; i < n; i++) if (pages[i] < firstPage) firstPage = pages[i];
    for (let from = 0; from < n; from += KEYS_PER_INSERT) {
      const to = Math.min(n, from + KEYS_PER_INSERT);
      const flat = new Array<number>(2 * (to - from));
      for (let i = from; i < to; i++) {
        flat[2 * (i - from)] = keys[i];
        flat[2 * (i - from) + 1] = pages[i];
      }
      if (this.repo.insertKeys(flat) === to - from) {
        // Every key was free and distinct: every id of the chunk is new.
        for (let i = from; i < to; i++) fresh[i] = 1;
      } else {
        // Only probing asks which id claimed a key: the chunks that went in whole are listed the first
        // time (most batches never probe, and a map of 53-bit keys costs a heap number per entry).
        for (; listed < from; listed++) claimed.set(keys[listed], ids[listed]);
        for (let i = from; i < to; i++) fresh[i] = this.probe(ids[i], keys[i], pages[i], firstPage, claimed) ? 1 : 0;
        listed = to;
      }
    }
    return fresh;
  }

  /**
   * The slow path of `claim`: walk from the id's own key until the id is found (false: a duplicate)
   * or a key takes it (true). A key pointing at a page of this list that nobody claimed yet was
   * inserted for the first row of this chunk whose own key it is: the id's own key is then its own
   * (true), any other is reserved for that later row and skipped.
   */
  private probe(id: string, key: number, page: number, firstPage: number, claimed: Map<number, string>): boolean {
    for (let k = key; ; k = nextKey(k)) {
      const mine = claimed.get(k);
      if (mine !== undefined) {
        if (mine === id) return false;
        continue;
      }
      const stored = this.repo.keyPage(k);
      if (stored === undefined) {
        if (!this.repo.insertKey(k, page)) throw new Error('request key taken under the index');
        claimed.set(k, id);
        return true;
      }
      if (stored >= firstPage) {
        if (k !== key) continue;
        claimed.set(k, id);
        return true;
      }
      const p = this.load(stored);
      if (p && p.row.model === this.model && p.index.has(id)) return false;
    }
  }

  /** A request by id, or undefined when none was indexed. */
  find(id: string): FoundRequest | undefined {
    for (let k = this.keyOf(id); ; k = nextKey(k)) {
      const stored = this.repo.keyPage(k);
      if (stored === undefined) return undefined;
      const p = this.load(stored);
      const at = p && p.row.model === this.model ? p.index.get(id) : undefined;
      if (p && at !== undefined) {
        return { page: p, at, version: p.row.version, alias: p.row.alias, windowStart: p.row.window_start, prediction: String(p.predictions[at]), label: p.labels?.[at] ?? null };
      }
    }
  }

  /** Sets a found request's label (written by `flushLabels`). */
  setLabel(r: FoundRequest, label: string): void {
    const p = r.page;
    p.labels ??= new Array<string | null>(p.row.rows).fill(null);
    p.labels[r.at] = label;
    p.dirty = true;
  }

  /** Writes the labels of every page changed since the last call (inside the caller's transaction). */
  flushLabels(): void {
    for (const p of this.pages.values()) {
      if (!p.dirty) continue;
      this.repo.setPageLabels(p.row.id, JSON.stringify(p.labels));
      p.dirty = false;
    }
  }

  /** Forgets read pages (after a rolled-back transaction they may say what is no longer stored). */
  forget(): void {
    this.pages.clear();
  }

  /** Stores a page whose rows proved new (its keys point at `c.id` already). */
  writePage(c: PageColumns): void {
    this.repo.insertPage({
      id: c.id,
      model: this.model,
      version: c.version,
      alias: c.alias,
      window_start: c.start,
      rows: c.ids.length,
      ids_json: JSON.stringify(c.ids),
      times_json: JSON.stringify(c.times),
      predictions_json: JSON.stringify(c.predictions),
      probs_json: JSON.stringify(c.probs),
    });
  }
}

/**
 * Migration 13's second half: migration 10's request rows into keys and pages, in one transaction
 * with the drop of the old table (a killed carry-over leaves the old table whole; the next start does
 * it again). Each chunk of rows (in key order) becomes pages per model, window, version and alias.
 */
export function carryOverRequests(repo: MonitoringRepo, chunk = 20_000): number {
  if (!repo.hasLegacyRequests()) return 0;
  let moved = 0;
  repo.transaction(() => {
    let after: { model: string; requestId: string } | null = null;
    for (;;) {
      const rows = repo.legacyRequests(after, chunk);
      if (rows.length === 0) break;
      const last = rows[rows.length - 1];
      after = { model: last.model, requestId: last.request_id };
      const byModel = new Map<string, typeof rows>();
      for (const r of rows) {
        let list = byModel.get(r.model);
        if (!list) byModel.set(r.model, (list = []));
        list.push(r);
      }
      for (const [model, list] of byModel) {
        const index = new RequestIndex(repo, model);
        let next = repo.nextPageId();
        const groups = new Map<string, PageColumns & { labels: (string | null)[] }>();
        const pages = list.map((r) => {
          const g = `${r.window_start}|${r.version}|${r.alias}`;
          let c = groups.get(g);
          if (!c) groups.set(g, (c = { id: next++, start: r.window_start, version: r.version, alias: r.alias, ids: [], times: [], predictions: [], probs: [], labels: [] }));
          return c.id;
        });
        const fresh = index.claim(
          list.map((r) => r.request_id),
          list.map((r) => index.keyOf(r.request_id)),
          pages,
        );
        const byId = new Map([...groups.values()].map((c) => [c.id, c]));
        list.forEach((r, i) => {
          if (!fresh[i]) return;
          const c = byId.get(pages[i])!;
          c.ids.push(r.request_id);
          c.times.push(r.time);
          c.predictions.push(r.prediction);
          c.probs.push(r.probs_json ? (JSON.parse(r.probs_json) as number[]) : null);
          c.labels.push(r.label);
        });
        for (const c of groups.values()) {
          if (c.ids.length === 0) continue;
          index.writePage(c);
          if (c.labels.some((l) => l !== null)) repo.setPageLabels(c.id, JSON.stringify(c.labels));
          moved += c.ids.length;
        }
      }
    }
    repo.dropLegacyRequests();
  });
  return moved;
}
