import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { versionId } from '../../src/main/engine/datasets/manifest';
import { decodeTableIndex, encodeTableIndex } from '../../src/main/engine/datasets/rowIndex';
import { tempDir, tempEngine } from '../helpers';
import { trainPenguinRun } from '../registry/fixtures';
import { openBundle, packBundle, rebuild, replaceObject, sha, type BundleManifestJson, type OpenBundle } from './kit';

/**
 * The findings of issue 8, each as its own test: a hostile bundle built from a real one (dataset +
 * run + model version + alias), refused naming the record and the field with nothing written; the
 * defences behind the gate (exports, artifact listings, doctor) against rows that got in some other way;
 * signed bundles and the keyring.
 */

let a: Engine;
let b: Engine;
const cleanups: (() => void)[] = [];
let dir: string;
let real: OpenBundle;
let realFile: string;
let n = 0;

beforeAll(async () => {
  const ea = await tempEngine();
  const eb = await tempEngine();
  a = ea.engine;
  b = eb.engine;
  cleanups.push(ea.cleanup, eb.cleanup);
  dir = tempDir('lathe-gate-');
  const { runId } = await trainPenguinRun(a, { name: 'gate-run', epochs: 2 });
  await invoke(a, 'models.register', { runId, name: 'penguin' });
  await invoke(a, 'models.alias', { ref: 'penguin@1', alias: 'champion', reason: 'first' });
  realFile = path.join(dir, 'real.lathe');
  await invoke(a, 'bundle.export', { out: realFile, withData: true });
  real = await openBundle(realFile);
}, 120_000);
afterAll(() => {
  cleanups.forEach((c) => c());
  fs.rmSync(dir, { recursive: true, force: true });
});

const meta = (m: BundleManifestJson) => m.metadata as unknown as {
  models: Record<string, unknown>[];
  versions: Record<string, unknown>[];
  aliases: Record<string, unknown>[];
  runs: (Record<string, unknown> & { artifacts: Record<string, unknown>[]; tags: Record<string, string> })[];
  datasets: { dataset: Record<string, unknown>; version: Record<string, unknown> & { files: Record<string, unknown>[] } }[];
};

function counts(e: Engine) {
  const one = (t: string) => e.db.prepare(`SELECT count(*) FROM ${t}`).pluck().get();
  return { blobs: one('blobs'), models: one('models'), versions: one('model_versions'), runs: one('runs'), datasets: one('dataset_versions'), packs: fs.readdirSync(e.store.packsDir).length };
}

async function write(bytes: Buffer): Promise<string> {
  const file = path.join(dir, `h${n++}.tar`);
  fs.writeFileSync(file, bytes);
  return file;
}

/** Imports into a fresh workspace and expects a refusal naming `field` (in `where` and the message); nothing changes. */
async function refusedNaming(bytes: Buffer, field: string, code = 'BAD_FILE'): Promise<{ message: string; where?: string }> {
  const c = await tempEngine();
  try {
    const before = counts(c.engine);
    const err = await invoke(c.engine, 'bundle.import', { file: await write(bytes) }).then(
      () => null,
      (e: unknown) => e as { code: string; message: string; where?: string },
    );
    expect(err, 'the hostile bundle was accepted').not.toBeNull();
    expect(err!.code).toBe(code);
    expect(err!.where ?? '').toContain(field);
    expect(err!.message).toContain(field.split('.').pop()!.replace(/\[\d+\]$/, ''));
    expect(err!.message).toContain('Nothing was changed');
    expect(counts(c.engine)).toEqual(before);
    return err!;
  } finally {
    c.cleanup();
  }
}

describe('the bundle gate refuses what the app itself would refuse, naming record and field', () => {
  it('imports the real bundle (the baseline the mutations start from)', async () => {
    const c = await tempEngine();
    cleanups.push(c.cleanup);
    const r = await invoke(c.engine, 'bundle.import', { file: await write(await rebuild(real, () => undefined)) });
    expect(r.added).toMatchObject({ versions: 1, runs: 1, datasetVersions: 1, aliases: 1 });
    expect((await invoke(c.engine, 'store.doctor', {})).ok).toBe(true);
  });

  it('a dataset file path "../../../x" is refused; data get cannot write outside its folder even if such a row exists', async () => {
    const err = await refusedNaming(await rebuild(real, (m) => void (meta(m).datasets[0].version.files[0].path = '../../../x')), 'datasets[0].version.files[0].path');
    expect(err.message).toMatch(/dataset version penguins@v1/);
    for (const p of ['/etc/passwd', 'a\\b', 'C:/x', 'a/./b', '']) await refusedNaming(await rebuild(real, (m) => void (meta(m).datasets[0].version.files[0].path = p)), 'datasets[0].version.files[0].path');

    // Behind the gate: a row that got in some other way (an older Lathe) is refused where bytes leave.
    const c = await tempEngine();
    cleanups.push(c.cleanup);
    await invoke(c.engine, 'bundle.import', { file: realFile });
    c.engine.db.prepare("UPDATE dataset_files SET path = '../../../escaped.csv'").run();
    const out = path.join(dir, 'deep', 'a', 'b', 'out');
    const e = await invoke(c.engine, 'datasets.export', { ref: 'penguins', out }).catch((x: unknown) => x as { code: string; message: string });
    expect(e).toMatchObject({ code: 'BAD_FILE' });
    expect((e as { message: string }).message).toMatch(/outside/);
    expect(fs.existsSync(path.join(dir, 'deep', 'escaped.csv'))).toBe(false);
    expect(fs.existsSync(path.resolve(out, '../../../escaped.csv'))).toBe(false);
    const report = await invoke(c.engine, 'store.doctor', {});
    expect(report.ok).toBe(false);
    expect(report.problems.find((p) => p.object.startsWith('dataset version penguins@v1'))?.problem).toMatch(/path/);
  });

  it('an export refuses a target reached through a link inside the chosen folder', async () => {
    const c = await tempEngine();
    cleanups.push(c.cleanup);
    await invoke(c.engine, 'bundle.import', { file: realFile });
    const file = (meta(real.manifest).datasets[0].version.files[0].path as string);
    c.engine.db.prepare("UPDATE dataset_files SET path = 'sub/' || path").run();
    const out = path.join(dir, 'linked');
    const elsewhere = path.join(dir, 'elsewhere');
    fs.mkdirSync(out, { recursive: true });
    fs.mkdirSync(elsewhere, { recursive: true });
    fs.symlinkSync(elsewhere, path.join(out, 'sub'));
    await expect(invoke(c.engine, 'datasets.export', { ref: 'penguins', out })).rejects.toMatchObject({ code: 'BAD_FILE' });
    expect(fs.existsSync(path.join(elsewhere, file))).toBe(false);
  });

  it("a version claiming another file's content id is refused (so adding that file later makes a new version)", async () => {
    const other = Buffer.from('a,b\n1,2\n');
    const claimed = versionId([{ path: 'other.csv', blobHash: sha(other) }]);
    await refusedNaming(await rebuild(real, (m) => void (meta(m).datasets[0].version.id = claimed)), 'datasets[0].version.id');
    const c = await tempEngine();
    cleanups.push(c.cleanup);
    const csv = path.join(dir, 'other.csv');
    fs.writeFileSync(csv, other);
    const added = await invoke(c.engine, 'datasets.add', { name: 'penguins', path: csv });
    expect(added.created).toBe(true);
    expect(added.version.id).toBe(claimed);
  });

  it('names, aliases, version numbers and formats the app refuses are refused', async () => {
    const cases: [string, (m: BundleManifestJson) => void][] = [];
    for (const bad of ['../x', 'a/b', '<img src=x onerror=alert(1)>', '', 'iris@v1']) {
      cases.push(['datasets[0].dataset.name', (m) => void (meta(m).datasets[0].dataset.name = bad)]);
    }
    for (const bad of ['../../x', 'a/b', '']) {
      cases.push(['models[0].name', (m) => void (meta(m).models[0].name = bad)]);
    }
    for (const bad of ['latest', '7', 'v3', '../x']) cases.push(['aliases[0].alias', (m) => void (meta(m).aliases[0].alias = bad)]);
    for (const bad of [-5, 0, 'abc', 1.5]) {
      cases.push(['versions[0].number', (m) => void (meta(m).versions[0].number = bad)]);
      cases.push(['datasets[0].version.number', (m) => void (meta(m).datasets[0].version.number = bad)]);
    }
    cases.push(['datasets[0].version.format', (m) => void (meta(m).datasets[0].version.format = 'exe')]);
    cases.push(['runs[0].status', (m) => void (meta(m).runs[0].status = 'paused')]);
    cases.push(['runs[0].id', (m) => void (meta(m).runs[0].id = 'not-a-run-id')]);
    cases.push(['versions[0].model', (m) => void (meta(m).versions[0].model = 'ghost')]);
    cases.push(['aliases[0].version_id', (m) => void (meta(m).aliases[0].version_id = 'f'.repeat(32))]);
    for (const [field, edit] of cases) await refusedNaming(await rebuild(real, edit), field);
  });

  it('a run left running is imported as failed, ended at its last recorded time, and says so', async () => {
    const run = meta(real.manifest).runs[0];
    const bytes = await rebuild(real, (m) => {
      meta(m).runs[0].status = 'running';
      meta(m).runs[0].end_time = null;
    });
    const c = await tempEngine();
    cleanups.push(c.cleanup);
    const r = await invoke(c.engine, 'bundle.import', { file: await write(bytes) });
    expect(r.warnings?.some((w) => w.includes(String(run.id)) && /imported as failed/.test(w))).toBe(true);
    const got = await invoke(c.engine, 'runs.get', { id: String(run.id) });
    expect(got.status).toBe('failed');
    expect(got.endTime).not.toBeNull();
    expect(got.endTime!).toBeGreaterThanOrEqual(got.startTime);
    expect(got.tags['bundle.import']).toMatch(/still running/);
  });

  it('an artifact path with ".." is refused; a listing refuses one that got in some other way', async () => {
    await refusedNaming(await rebuild(real, (m) => void (meta(m).runs[0].artifacts[0].path = 'model/../../evil.sh')), 'runs[0].artifacts[0].path');
    await refusedNaming(await rebuild(real, (m) => void (meta(m).runs[0].artifacts[0].path = '/abs/evil')), 'runs[0].artifacts[0].path');
    const c = await tempEngine();
    cleanups.push(c.cleanup);
    await invoke(c.engine, 'bundle.import', { file: realFile });
    const runId = String(meta(real.manifest).runs[0].id);
    c.engine.db.prepare("UPDATE run_artifacts SET path = '../evil.sh' WHERE path = 'model/model.json'").run();
    await expect(invoke(c.engine, 'runs.artifacts.list', { runId, path: '' })).rejects.toMatchObject({ code: 'BAD_FILE' });
    const report = await invoke(c.engine, 'store.doctor', {});
    expect(report.problems.some((p) => p.object.includes('../evil.sh') && /path/.test(p.problem))).toBe(true);
  });

  it('a profile or a row index that is not what it claims is refused', async () => {
    await refusedNaming(
      await rebuild(real, (m) => {
        const v = meta(m).datasets[0].version;
        const p = JSON.parse(String(v.profile_json)) as { rows: number };
        p.rows = 999;
        v.profile_json = JSON.stringify(p);
      }),
      'datasets[0].version.profile_json',
    );
    await refusedNaming(await rebuild(real, (m) => void (meta(m).datasets[0].version.profile_json = '{"kind":"table"')), 'datasets[0].version.profile_json');
    await refusedNaming(await rebuild(real, (m) => void (meta(m).datasets[0].version.row_count = 5)), 'datasets[0].version');
    // The row index object itself, rebuilt under its true hash: it claims other rows, or is not an index at all.
    const indexHash = String(meta(real.manifest).datasets[0].version.index_blob);
    const index = decodeTableIndex(real.objects.get(indexHash)!);
    for (const lie of [encodeTableIndex({ ...index, rowCount: index.rowCount + 1 }), encodeTableIndex({ ...index, columns: index.columns.slice(1), types: index.types.slice(1) }), encodeTableIndex({ ...index, format: 'jsonl' }), Buffer.from('not an index')]) {
      await refusedNaming(await rebuild(real, (m, objects) => void replaceObject(m, objects, indexHash, lie)), 'datasets[0].version.index_blob');
    }
  });

  it('cross-references to records the bundle does not carry are refused', async () => {
    await refusedNaming(await rebuild(real, (m) => void (meta(m).runs[0].experiment_id = 'nowhere')), 'runs[0].experiment_id');
    await refusedNaming(await rebuild(real, (m) => void (meta(m).datasets[0].version.dataset_id = '00000000-0000-0000-0000-000000000000')), 'datasets[0].version.dataset_id');
    await refusedNaming(await rebuild(real, (m) => void (meta(m).datasets[0].version.files[0].size = 1)), 'datasets[0].version.files[0].size');
  });
});

describe('signed bundles and the keyring', () => {
  it("exports are signed with the workspace's key, made on first use with a private file of mode 0600", async () => {
    const self = await invoke(a, 'keys.self', {});
    expect(self.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(real.pax?.['LATHE.signature']).toContain(self.fingerprint.length ? '"alg":"ed25519"' : '');
    const keyFile = path.join(a.home, 'keys', 'bundle-signing.key');
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect((await invoke(a, 'bundle.import', { file: realFile, dryRun: true })).signer).toMatchObject({ signed: true, known: true, self: true });
  });

  it('an unknown signer imports with a warning; trusted, it is known; removed, unknown again', async () => {
    const dry = await invoke(b, 'bundle.import', { file: realFile, dryRun: true });
    const self = await invoke(a, 'keys.self', {});
    expect(dry.signer).toMatchObject({ signed: true, known: false, self: false, fingerprint: self.fingerprint, name: self.name });
    expect(dry.warnings?.[0]).toMatch(/unknown key/);
    const trusted = await invoke(b, 'keys.trust', { bundle: realFile, name: 'Alice (workstation A)' });
    expect(trusted.fingerprint).toBe(self.fingerprint);
    expect((await invoke(b, 'keys.list', {})).map((k) => k.name)).toEqual(['Alice (workstation A)']);
    const again = await invoke(b, 'bundle.import', { file: realFile, dryRun: true });
    expect(again.signer).toMatchObject({ known: true, name: 'Alice (workstation A)' });
    expect(again.warnings).toEqual([]);
    expect(await invoke(b, 'keys.remove', { fingerprint: self.fingerprint.slice(0, 12) })).toEqual({ removed: true });
    expect((await invoke(b, 'bundle.import', { file: realFile, dryRun: true })).signer?.known).toBe(false);
    // The same key pasted as PEM.
    expect((await invoke(b, 'keys.trust', { publicKey: self.publicKey })).fingerprint).toBe(self.fingerprint);
    await invoke(b, 'keys.remove', { fingerprint: self.fingerprint });
  });

  it('a broken signature is refused with SIGNATURE; nothing changes', async () => {
    const changed = Buffer.from(real.manifestBytes.toString('utf8').replace(/"createdBy":"[^"]*"/, '"createdBy":"mallory"'));
    const before = counts(b);
    const tampered = await write(await packBundle(changed, real.objects, real.pax));
    await expect(invoke(b, 'bundle.import', { file: tampered })).rejects.toMatchObject({ code: 'SIGNATURE', message: expect.stringMatching(/changed after it was signed/) });
    const claim = JSON.parse(real.pax!['LATHE.signature']) as Record<string, string>;
    const forged = { ...claim, sig: Buffer.alloc(64, 7).toString('base64') };
    const forgedFile = await write(await packBundle(real.manifestBytes, real.objects, { 'LATHE.signature': JSON.stringify(forged) }));
    await expect(invoke(b, 'bundle.import', { file: forgedFile })).rejects.toMatchObject({ code: 'SIGNATURE', message: expect.stringMatching(/does not verify/) });
    const garbage = await write(await packBundle(real.manifestBytes, real.objects, { 'LATHE.signature': '{nope' }));
    await expect(invoke(b, 'bundle.import', { file: garbage })).rejects.toMatchObject({ code: 'SIGNATURE' });
    expect(counts(b)).toEqual(before);
  });

  it('an unsigned bundle (an older Lathe) imports, marked unsigned', async () => {
    const unsigned = await write(await packBundle(real.manifestBytes, real.objects));
    const r = await invoke(b, 'bundle.import', { file: unsigned, dryRun: true });
    expect(r.signer).toMatchObject({ signed: false, fingerprint: null, name: null, known: false, self: false });
    expect(r.warnings?.[0]).toMatch(/unsigned/);
  });
});

describe('doctor checks meaning, not only bytes', () => {
  it('reports unrecorded pack files with their size and the command that frees them', async () => {
    const c = await tempEngine();
    cleanups.push(c.cleanup);
    fs.writeFileSync(path.join(c.engine.store.packsDir, 'orphan-from-a-crash.pack'), Buffer.alloc(4096, 1));
    const r = await invoke(c.engine, 'store.doctor', {});
    expect(r.unrecordedPacks).toEqual([{ file: path.join('objects', 'packs', 'orphan-from-a-crash.pack'), bytes: 4096 }]);
    expect(r.unrecordedBytes).toBe(4096);
    expect(r.freeCommand).toBe('lathe gc');
    await invoke(c.engine, 'store.gc', {});
    expect((await invoke(c.engine, 'store.doctor', {})).unrecordedPacks).toEqual([]);
  });

  it('re-derives version ids and reads profiles, names and numbers of what is stored', async () => {
    const c = await tempEngine();
    cleanups.push(c.cleanup);
    await invoke(c.engine, 'bundle.import', { file: realFile });
    const clean = await invoke(c.engine, 'store.doctor', {});
    expect(clean.ok).toBe(true);
    expect(clean.meaning).toMatchObject({ datasetVersions: 1, modelVersions: 1, runs: 1 });
    expect(clean.meaning.experiments).toBeGreaterThanOrEqual(1);
    c.engine.db.prepare("UPDATE dataset_versions SET profile_json = json_set(profile_json, '$.rows', 7)").run();
    c.engine.db.prepare("UPDATE model_aliases SET alias = 'latest'").run();
    c.engine.db.prepare('UPDATE runs SET name = ?').run('x'.repeat(600));
    const r = await invoke(c.engine, 'store.doctor', {});
    expect(r.ok).toBe(false);
    expect(r.problems.find((p) => p.object.startsWith('dataset version penguins@v1'))?.problem).toMatch(/profile_json/);
    expect(r.problems.find((p) => p.object === 'alias penguin@latest')?.problem).toMatch(/alias/);
    expect(r.problems.find((p) => p.object.startsWith('run '))?.problem).toMatch(/name/);
  });
});
