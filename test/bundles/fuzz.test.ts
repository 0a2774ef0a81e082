import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { tempDir, tempEngine } from '../helpers';
import { trainPenguinRun } from '../registry/fixtures';
import { openBundle, rebuild, type BundleManifestJson, type OpenBundle } from './kit';

/**
 * The bundle fuzzer: from a real bundle (a dataset version, a run with metrics and artifacts, a model
 * version, an alias, its history, an export, lineage), every field of every record kind in the
 * manifest is mutated (wrong type, out of range, path shapes, ids, cross-references to missing
 * records, JSON text fields broken and their inner fields changed, keys of key-value maps, records
 * with a field removed or one added), the tar rebuilt with true hashes, and each bundle imported.
 * Either it is refused with a BAD_FILE error that names a record and a field and changes nothing, or
 * the workspace it made passes doctor and every read, show and delete answers (a LatheError that is
 * not INTERNAL, CORRUPT_OBJECT or BAD_FILE counts as an answer: "in use" is one).
 * Seeded (FUZZ_SEED), deterministic; the number of cases is printed.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 8);

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(SEED);
const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');

type Seg = string | number;
type Value = unknown;
interface Case {
  label: string;
  edit: (m: BundleManifestJson) => void;
}

const STRING_MUTANTS = (): Value[] => ['', '../x', '../../../x', '/abs/x', 'a\\b', 'C:/x', 'a/./b', 'x\u0000y', '<img src=x onerror=alert(1)>', 'iris@v1', 'latest', '7', ' ', 'Z'.repeat(5000), hex(32), hex(64), 42, null, true, {}, []];
const NUMBER_MUTANTS = (): Value[] => [-5, 0, 1.5, 'abc', 1e300, -1e300, 2 ** 60, null, '12', true];
const NULL_MUTANTS = (): Value[] => ['x', 0, hex(32), hex(64), {}, '../x'];

function getAt(root: unknown, p: Seg[]): unknown {
  return p.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k as string], root);
}
function setAt(root: unknown, p: Seg[], v: unknown): void {
  const parent = getAt(root, p.slice(0, -1)) as Record<string, unknown>;
  parent[p[p.length - 1] as string] = v;
}

/** Leaves of a record: first element of arrays, every key of objects (at most 4 per map). */
function leaves(v: unknown, p: Seg[], out: Seg[][], depth = 0): void {
  if (Array.isArray(v)) {
    out.push(p);
    if (v.length > 0 && depth < 6) leaves(v[0], [...p, 0], out, depth + 1);
    if (v.length > 1 && typeof v[0] !== 'object') for (let k = 1; k < Math.min(v.length, 3); k++) leaves(v[k], [...p, k], out, depth + 1);
    return;
  }
  if (v !== null && typeof v === 'object') {
    out.push(p);
    for (const k of Object.keys(v).slice(0, 40)) leaves((v as Record<string, unknown>)[k], [...p, k], out, depth + 1);
    return;
  }
  out.push(p);
}

function pick<T>(xs: T[], k: number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, k);
}

function casesFor(m: BundleManifestJson): Case[] {
  const cases: Case[] = [];
  const md = m.metadata as Record<string, unknown[]>;
  for (const kind of Object.keys(md)) {
    if (md[kind].length === 0) continue;
    const base: Seg[] = ['metadata', kind, 0];
    const paths: Seg[][] = [];
    leaves(md[kind][0], base, paths);
    for (const p of paths) {
      const v = getAt(m, p);
      const name = p.slice(1).join('.');
      const isRecord = p.length === 3;
      if (typeof v === 'string' && /_json$/.test(String(p[p.length - 1]))) {
        // A JSON text field: broken, and each of its inner leaves changed.
        cases.push({ label: `${name} = broken JSON`, edit: (x) => setAt(x, p, '{"a":') });
        cases.push({ label: `${name} = []`, edit: (x) => setAt(x, p, '[]') });
        const inner: Seg[][] = [];
        leaves(JSON.parse(v), [], inner);
        for (const q of pick(inner.filter((q) => q.length > 0), 8)) {
          const iv = getAt(JSON.parse(v), q);
          const mutants = typeof iv === 'number' ? NUMBER_MUTANTS() : typeof iv === 'string' ? STRING_MUTANTS() : NULL_MUTANTS();
          for (const mv of pick(mutants, 2)) {
            cases.push({
              label: `${name} -> ${q.join('.')} = ${JSON.stringify(mv)?.slice(0, 30)}`,
              edit: (x) => {
                const parsed = JSON.parse(getAt(x, p) as string) as unknown;
                setAt(parsed, q, mv);
                setAt(x, p, JSON.stringify(parsed));
              },
            });
          }
        }
        continue;
      }
      const mutants = typeof v === 'string' ? STRING_MUTANTS() : typeof v === 'number' ? NUMBER_MUTANTS() : v === null ? NULL_MUTANTS() : Array.isArray(v) ? [[], 'x', null, 'dup'] : [{}, null, 'x'];
      const k = typeof v === 'string' ? 5 : typeof v === 'number' ? 4 : 3;
      for (const mv of isRecord ? [null, 'x', 7] : pick(mutants, k)) {
        cases.push({
          label: `${name} = ${JSON.stringify(mv)?.slice(0, 30)}`,
          edit: (x) => {
            if (mv === 'dup' && Array.isArray(getAt(x, p))) {
              const arr = getAt(x, p) as unknown[];
              if (arr.length) arr.push(structuredClone(arr[0]));
            } else setAt(x, p, mv);
          },
        });
      }
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && !isRecord) {
        // A key-value map (params, tags, a profile's parts): hostile keys.
        for (const key of pick(['../x', '', 'a\u0000b', 'k'.repeat(300), '/abs'], 2)) {
          cases.push({ label: `${name}[${JSON.stringify(key)}] added`, edit: (x) => ((getAt(x, p) as Record<string, unknown>)[key] = 'v') });
        }
      }
      if (p.length === 4 || (kind === 'datasets' && p.length === 5)) {
        cases.push({ label: `${name} removed`, edit: (x) => delete (getAt(x, p.slice(0, -1)) as Record<string, unknown>)[p[p.length - 1] as string] });
      }
    }
    cases.push({ label: `${kind}[0] gets an unknown field`, edit: (x) => (((x.metadata as Record<string, Record<string, unknown>[]>)[kind][0] as Record<string, unknown>).extra = 1) });
    cases.push({ label: `${kind}[0] twice`, edit: (x) => void (x.metadata as Record<string, unknown[]>)[kind].push(structuredClone((x.metadata as Record<string, unknown[]>)[kind][0])) });
  }
  return cases;
}

let a: Engine;
let target: Engine;
const cleanups: (() => void)[] = [];
let dir: string;
let real: OpenBundle;

beforeAll(async () => {
  const ea = await tempEngine();
  const et = await tempEngine();
  a = ea.engine;
  target = et.engine;
  cleanups.push(ea.cleanup, et.cleanup);
  dir = tempDir('lathe-fuzz-');
  const { runId } = await trainPenguinRun(a, { name: 'fuzz-run', epochs: 1 });
  await invoke(a, 'models.register', { runId, name: 'penguin' });
  await invoke(a, 'models.alias', { ref: 'penguin@1', alias: 'champion', reason: 'first' });
  await invoke(a, 'export.run', { ref: 'penguin@1', format: 'card', out: path.join(dir, 'card') });
  const file = path.join(dir, 'real.lathe');
  await invoke(a, 'bundle.export', { out: file, withData: true });
  real = await openBundle(file);
}, 120_000);
afterAll(() => {
  cleanups.forEach((c) => c());
  fs.rmSync(dir, { recursive: true, force: true });
});

const ANSWERS = new Set(['INVALID_INPUT', 'NOT_FOUND', 'IN_USE', 'CONFLICT', 'ALREADY_EXISTS']);

/** Every read, show and delete over what an accepted bundle made; returns the failures (none expected). */
async function exercise(e: Engine, out: string): Promise<string[]> {
  const failures: string[] = [];
  const call = async <T,>(what: string, f: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await f();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (!code || !ANSWERS.has(code)) failures.push(`${what}: ${code ?? 'crash'} ${(err as Error).message}`);
      return undefined;
    }
  };
  for (const d of (await call('datasets.list', () => invoke(e, 'datasets.list', {}))) ?? []) {
    for (const v of (await call('datasets.versions', () => invoke(e, 'datasets.versions', { name: d.name }))) ?? []) {
      const ref = `${d.name}@${v.id}`;
      await call(`datasets.show ${ref}`, () => invoke(e, 'datasets.show', { ref }));
      await call(`datasets.rows ${ref}`, () => invoke(e, 'datasets.rows', { ref, offset: 0, limit: 20 }));
      const to = path.join(out, `data-${v.number}`);
      const r = await call(`datasets.export ${ref}`, () => invoke(e, 'datasets.export', { ref, out: to }));
      for (const f of r?.files ?? []) if (path.relative(to, f).startsWith('..')) failures.push(`datasets.export wrote outside: ${f}`);
    }
  }
  for (const m of (await call('models.list', () => invoke(e, 'models.list', {}))) ?? []) {
    for (const v of (await call('models.versions', () => invoke(e, 'models.versions', { name: m.name }))) ?? []) {
      const ref = `${m.name}@${v.number}`;
      await call(`models.show ${ref}`, () => invoke(e, 'models.show', { ref }));
      await call(`models.lineage ${ref}`, () => invoke(e, 'models.lineage', { ref }));
      await call(`models.card ${ref}`, () => invoke(e, 'models.card', { ref }));
      await call(`export.history ${ref}`, () => invoke(e, 'export.history', { ref }));
    }
    await call(`models.aliasHistory ${m.name}`, () => invoke(e, 'models.aliasHistory', { name: m.name }));
    for (const alias of Object.keys(m.aliases)) await call(`models.unalias ${alias}`, () => invoke(e, 'models.unalias', { name: m.name, alias, reason: 'fuzz' }));
  }
  const runs = (await call('runs.search', () => invoke(e, 'runs.search', { lifecycle: 'all' } as never))) as { runs: { id: string }[] } | undefined;
  for (const r of runs?.runs ?? []) {
    const got = await call(`runs.get ${r.id}`, () => invoke(e, 'runs.get', { id: r.id }));
    await call(`runs.artifacts.list ${r.id}`, () => invoke(e, 'runs.artifacts.list', { runId: r.id, path: '' }));
    for (const key of Object.keys(got?.metrics ?? {}).slice(0, 2)) await call(`runs.metricHistory ${key}`, () => invoke(e, 'runs.metricHistory', { runId: r.id, key } as never));
  }
  for (const x of (await call('experiments.list', () => invoke(e, 'experiments.list', {}))) ?? []) await call(`experiments.get ${x.id}`, () => invoke(e, 'experiments.get', { id: x.id }));
  const ids = (runs?.runs ?? []).map((r) => r.id);
  if (ids.length) {
    await call('runs.delete', () => invoke(e, 'runs.delete', { ids }));
    await call('runs.purge', () => invoke(e, 'runs.purge', { ids }));
  }
  for (const d of (await call('datasets.list', () => invoke(e, 'datasets.list', {}))) ?? []) {
    for (const v of (await call('datasets.versions', () => invoke(e, 'datasets.versions', { name: d.name }))) ?? []) await call('datasets.remove', () => invoke(e, 'datasets.remove', { ref: `${d.name}@${v.id}` }));
  }
  const doctor = await invoke(e, 'store.doctor', {});
  if (!doctor.ok) failures.push(`doctor after deletes: ${JSON.stringify(doctor.problems.slice(0, 3))}`);
  return failures;
}

describe('bundle fuzzer', () => {
  it(`every mutated field is refused naming a record and field, or imports into a workspace that works (seed ${SEED})`, async () => {
    const t0 = performance.now();
    const cases = casesFor(real.manifest);
    const before = () => target.db.prepare('SELECT (SELECT count(*) FROM blobs), (SELECT count(*) FROM runs), (SELECT count(*) FROM model_versions), (SELECT count(*) FROM dataset_versions)').raw().get();
    const empty = before();
    let refused = 0;
    let exact = 0;
    let accepted = 0;
    const problems: string[] = [];
    for (const c of cases) {
      const file = path.join(dir, 'case.tar');
      fs.writeFileSync(file, await rebuild(real, c.edit));
      // A dry run goes through every check (the merge runs and is rolled back), so the target stays empty.
      const err = await invoke(target, 'bundle.import', { file, dryRun: true }).then(
        () => null,
        (e: unknown) => e as { code?: string; message: string; where?: string },
      );
      if (err) {
        refused++;
        const named = /^metadata\.[a-z]+(\[\d+\])?/.test(err.where ?? '') || /malformed at metadata\.[a-z]+\.\d+/.test(err.message);
        if (err.code !== 'BAD_FILE' || !named || !err.message.includes('Nothing was changed')) problems.push(`${c.label}: refused without naming a field: ${err.code} ${err.where} ${err.message}`);
        const field = c.label.split(' ')[0].split('.').filter((s) => !/^\d+$/.test(s)).pop() ?? '';
        if ((err.where ?? '').includes(field.replace(/\[.*$/, '')) || err.message.includes(field)) exact++;
        continue;
      }
      // Accepted: a workspace of its own, checked whole, then thrown away.
      accepted++;
      if (process.env.FUZZ_LIST) fs.appendFileSync(process.env.FUZZ_LIST, `${c.label}\n`);
      const fresh = await tempEngine();
      try {
        await invoke(fresh.engine, 'bundle.import', { file });
        const report = await invoke(fresh.engine, 'store.doctor', {});
        if (!report.ok) problems.push(`${c.label}: accepted, but doctor finds ${JSON.stringify(report.problems.slice(0, 2))}`);
        for (const f of await exercise(fresh.engine, path.join(dir, 'out', String(accepted)))) problems.push(`${c.label}: accepted, but ${f}`);
      } finally {
        fresh.cleanup();
      }
    }
    const ms = performance.now() - t0;
    console.log(`bundle fuzzer (seed ${SEED}): ${cases.length} mutations, ${refused} refused (${exact} naming the mutated field itself, the rest a field it broke), ${accepted} accepted and checked, ${(ms / 1000).toFixed(1)} s`);
    expect(problems).toEqual([]);
    expect(cases.length).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(cases.length / 2);
    // Nothing of any bundle reached the target workspace (refused, or dry runs).
    expect(before()).toEqual(empty);
  }, 300_000);
});
