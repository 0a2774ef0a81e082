import type { CellValue } from '../../../shared/datasets';

/**
 * Pairs removed rows with added rows by content, for a diff without a key: a pair is a modified row.
 * Rows are arrays over the same (shared) columns. An added row is paired with the unpaired removed row
 * that agrees with it on the most columns, when they agree on at least half of them (and at least one).
 *
 * Candidates come from an inverted index of (column, value) over the removed rows. Values shared by more
 * than POSTING_CAP removed rows (a class label, a flag) are not indexed, since they say little about which
 * row is which and would make the search quadratic; candidates are then scored on every column. Greedy in
 * the added rows' order: each removed row is used once.
 */
const POSTING_CAP = 64;
const CANDIDATES = 8;

export interface ContentPair {
  removed: number;
  added: number;
  /** Positions (in the given column order) whose cells differ. */
  changed: number[];
}

const cellKey = (col: number, v: CellValue) => `${col}\u0001${v === null ? '\u0000' : String(v)}`;
const same = (a: CellValue, b: CellValue) => (a === null ? b === null : b !== null && String(a) === String(b));

export function pairByContent(removed: CellValue[][], added: CellValue[][], width: number): ContentPair[] {
  if (width < 2 || removed.length === 0 || added.length === 0) return [];
  const index = new Map<string, number[]>();
  removed.forEach((row, r) => {
    for (let c = 0; c < width; c++) {
      const k = cellKey(c, row[c]);
      const list = index.get(k);
      if (!list) index.set(k, [r]);
      else if (list.length <= POSTING_CAP) list.push(r);
    }
  });
  const used = new Uint8Array(removed.length);
  const need = Math.max(1, Math.ceil(width / 2));
  const out: ContentPair[] = [];
  added.forEach((row, a) => {
    const hits = new Map<number, number>();
    for (let c = 0; c < width; c++) {
      const list = index.get(cellKey(c, row[c]));
      if (!list || list.length > POSTING_CAP) continue;
      for (const r of list) if (!used[r]) hits.set(r, (hits.get(r) ?? 0) + 1);
    }
    const candidates = [...hits.entries()].sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, CANDIDATES);
    let best = -1;
    let bestScore = 0;
    for (const [r] of candidates) {
      let score = 0;
      for (let c = 0; c < width; c++) if (same(removed[r][c], row[c])) score++;
      if (score > bestScore) {
        best = r;
        bestScore = score;
      }
    }
    if (best < 0 || bestScore < need || bestScore === width) return;
    used[best] = 1;
    const changed: number[] = [];
    for (let c = 0; c < width; c++) if (!same(removed[best][c], row[c])) changed.push(c);
    out.push({ removed: best, added: a, changed });
  });
  return out;
}
