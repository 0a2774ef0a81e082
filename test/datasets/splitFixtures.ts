/** Files with every hazard for a split point, and the split points to try (parallel.test.ts, handoff.test.ts). */

export function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

const WORDS = ['plain', 'é accent', '日本語', 'emoji 🐧', 'comma, inside', 'quote "here"', 'two\nlines', 'crlf\r\ninside', ''];

/** A CSV with every hazard for a split: quoted newlines (LF and CRLF), doubled quotes, multi-byte text, blank lines. */
export function trickyCsv(rows: number, seed: number, opts: { bom?: boolean; crlf?: boolean } = {}): Buffer {
  const r = rng(seed);
  const eol = opts.crlf ? '\r\n' : '\n';
  const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = ['id,label,x,flag,when'];
  for (let i = 0; i < rows; i++) {
    const word = WORDS[Math.floor(r() * WORDS.length)];
    const x = r() < 0.1 ? '' : (r() * 200 - 100).toFixed(3);
    const when = `2024-0${1 + Math.floor(r() * 9)}-1${Math.floor(r() * 9)}`;
    lines.push([String(i), quote(word), x, r() < 0.5 ? 'true' : 'false', when].join(','));
    if (r() < 0.05) lines.push('');
  }
  const text = lines.join(eol) + eol;
  return Buffer.concat([opts.bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text, 'utf8')]);
}

/** Every position just after a line end (inside quoted fields too): each one a split to try. */
export function lineEnds(bytes: Buffer, from: number): number[] {
  const out: number[] = [];
  for (let i = bytes.indexOf(0x0a, from); i >= 0 && i + 1 < bytes.length; i = bytes.indexOf(0x0a, i + 1)) out.push(i + 1);
  return out;
}
