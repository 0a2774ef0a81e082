import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { tempDir, tempEngine } from '../helpers';
import { logLines, trainRealModel, writeLines } from '../monitoring/fixture';
import { openBundle, rebuild, type BundleManifestJson, type OpenBundle } from './kit';

/**
 * Reference profiles travel in registry bundles (issue 11 item 1): a real model's profile exported
 * without its data, imported into a fresh workspace, and monitored there (drift of shifted logs) with
 * no training rows present; hostile profiles refused naming the record and the field.
 */

let a: Engine;
const cleanups: (() => void)[] = [];
let dir: string;
let file: string;
let real: OpenBundle;
let n = 0;
const START = Date.UTC(2026, 10, 21, 0, 0, 0);

beforeAll(async () => {
  const ea = await tempEngine();
  a = ea.engine;
  cleanups.push(ea.cleanup);
  dir = tempDir('lathe-bundle-ref-');
  await trainRealModel(a, dir);
  await invoke(a, 'models.alias', { ref: 'churn@1', alias: 'champion' });
  await invoke(a, 'monitor.reference', { ref: 'churn@1' });
  file = path.join(dir, 'churn.lathe');
  await invoke(a, 'bundle.export', { out: file, models: ['churn'], withData: false });
  real = await openBundle(file);
}, 240_000);
afterAll(() => {
  cleanups.forEach((c) => c());
  fs.rmSync(dir, { recursive: true, force: true });
});

type Pca = { columns: { name: string; kind: string; mean: number; scale: number; fill: number; shares?: [string, number][] }[]; components: (number | null)[][] };
type Profile = { versionId: string; features: { name: string; kind: string; categories?: string[]; sketch: { moments: { count: number } } }[]; labels: string[] | null; calibration: unknown[] | null; multivariate?: Pca | null };
const refs = (m: BundleManifestJson) => m.metadata.references as unknown as { version_id: string; profile_json: string }[];
/** A bundle whose first reference profile was changed by `edit`. */
const editProfile = (edit: (p: Profile) => void) =>
  rebuild(real, (m) => {
    const p = JSON.parse(refs(m)[0].profile_json) as Profile;
    edit(p);
    refs(m)[0].profile_json = JSON.stringify(p);
  });

function counts(e: Engine) {
  const one = (t: string) => e.db.prepare(`SELECT count(*) FROM ${t}`).pluck().get();
  return { blobs: one('blobs'), versions: one('model_versions'), references: one('monitor_references') };
}

async function refusedNaming(bytes: Buffer, field: string): Promise<string> {
  const c = await tempEngine();
  try {
    const f = path.join(dir, `h${n++}.tar`);
    fs.writeFileSync(f, bytes);
    const before = counts(c.engine);
    const err = await invoke(c.engine, 'bundle.import', { file: f }).then(
      () => null,
      (e: unknown) => e as { code: string; message: string; where?: string },
    );
    expect(err, `accepted a bundle that should be refused at ${field}`).not.toBeNull();
    expect(err!.code).toBe('BAD_FILE');
    expect(err!.where ?? '').toContain(`metadata.references[0].${field}`);
    expect(err!.message).toContain('reference profile of model version');
    expect(err!.message).toContain(field);
    expect(counts(c.engine)).toEqual(before);
    return err!.message;
  } finally {
    c.cleanup();
  }
}

describe('reference profiles in registry bundles', () => {
  it('an export carries the version’s profile, checked against its signature', () => {
    const r = refs(real.manifest);
    expect(r).toHaveLength(1);
    const p = JSON.parse(r[0].profile_json) as Profile;
    expect(p.features.map((f) => f.name)).toEqual(['x0', 'x1', 'x2', 'x3', 'c0']);
    expect(real.manifest.metadata.datasets).toEqual([]);
  });

  it('round trip: imported into a fresh workspace, the model is monitored against the imported reference without its data', async () => {
    const c = await tempEngine();
    cleanups.push(c.cleanup);
    const b = c.engine;
    const r = await invoke(b, 'bundle.import', { file });
    expect(r.added).toMatchObject({ versions: 1, references: 1 });
    expect(await invoke(b, 'datasets.list', {})).toEqual([]);
    const ra = await invoke(a, 'monitor.reference', { ref: 'churn@1' });
    const rb = await invoke(b, 'monitor.reference', { ref: 'churn@1' });
    expect(rb).toMatchObject({ versionId: ra.versionId, trainRows: ra.trainRows, heldOutRows: ra.heldOutRows, source: ra.source, bytes: ra.bytes });
    // Logs predicted by the imported model itself: two stationary hours, two with x0 shifted.
    const calm = await logLines(b, 'churn@1', { hours: 2, perHour: 400, start: START, seed: 3, idPrefix: 'calm' });
    const shifted = await logLines(b, 'churn@1', { hours: 2, perHour: 400, start: START + 2 * 3_600_000, seed: 4, idPrefix: 'shift', shift: { mean: { x0: 1.5 } } });
    const ing = await invoke(b, 'monitor.ingest', { ref: 'churn', files: [writeLines(dir, 'b.ndjson', [...calm.lines, ...shifted.lines])] });
    expect(ing.accepted).toBe(1600);
    const late = await invoke(b, 'monitor.drift', { ref: 'churn', from: START + 2 * 3_600_000, to: START + 4 * 3_600_000 });
    expect(late.features.filter((f) => f.drift).map((f) => f.feature)).toEqual(['x0']);
    const early = await invoke(b, 'monitor.drift', { ref: 'churn', from: START, to: START + 2 * 3_600_000 });
    expect(early.features.filter((f) => f.drift)).toEqual([]);
    // The imported profile gave the model its monitor and default rules.
    expect((await invoke(b, 'monitor.alerts', { model: 'churn' })).rules.length).toBeGreaterThanOrEqual(4);
    // A second import changes nothing; the profile is counted unchanged.
    const again = await invoke(b, 'bundle.import', { file });
    expect(again.unchanged).toMatchObject({ references: 1 });
    expect(again.added.references ?? 0).toBe(0);
  }, 120_000);

  it('a profile that breaks its schema is refused, naming the field', async () => {
    const msg = await refusedNaming(await editProfile((p) => void (p.features[0].sketch.moments.count = -1)), 'profile_json');
    expect(msg).toMatch(/features\.0\.sketch\.moments\.count/);
    await refusedNaming(await rebuild(real, (m) => void (refs(m)[0].profile_json = '{"format":1')), 'profile_json');
  });

  it('a profile whose columns are not the model’s input signature is refused', async () => {
    expect(await refusedNaming(await editProfile((p) => void (p.features[1].name = 'x9')), 'profile_json.features[1]')).toMatch(/input signature has "x1:numeric"/);
    await refusedNaming(await editProfile((p) => void (p.features[4].kind = 'numeric')), 'profile_json');
    await refusedNaming(await editProfile((p) => void p.features.pop()), 'profile_json.features[4]');
    await refusedNaming(await editProfile((p) => void (p.labels = ['yes', 'no'])), 'profile_json.labels');
    await refusedNaming(await editProfile((p) => void p.calibration!.pop()), 'profile_json.calibration');
  });

  it('a profile that claims another version, or a version the bundle lacks, is refused', async () => {
    await refusedNaming(await editProfile((p) => void (p.versionId = '0'.repeat(32))), 'profile_json.versionId');
    await refusedNaming(await rebuild(real, (m) => void (refs(m)[0].version_id = 'f'.repeat(32))), 'version_id');
  });

  it('the profile carries the multivariate check (PCA), and a hostile PCA block is refused: wrong dims, NaN, oversize, foreign columns', async () => {
    const p = JSON.parse(refs(real.manifest)[0].profile_json) as Profile;
    expect(p.multivariate!.columns.map((c) => c.name)).toEqual(['x0', 'x1', 'x2', 'x3', 'c0']);
    const pca = (edit: (m: Pca) => void) => editProfile((q) => edit(q.multivariate!));
    // A component one loading short of the columns.
    expect(await refusedNaming(await pca((m) => void m.components[0].pop()), 'profile_json')).toMatch(/multivariate/);
    // More components than columns.
    await refusedNaming(await pca((m) => void m.components.push(...m.columns.map(() => [...m.components[0]]))), 'profile_json');
    // NaN travels as null in JSON.
    await refusedNaming(await pca((m) => void (m.components[0][1] = null)), 'profile_json');
    // Not unit length: a component scaled up would amplify every error.
    await refusedNaming(await pca((m) => void (m.components[0] = m.components[0].map((x) => (x as number) * 0.5))), 'profile_json');
    await refusedNaming(await pca((m) => void (m.columns[0].scale = 0)), 'profile_json');
    // Oversize: 65 columns (the cap is 64), or a categorical column with 65 encoded categories.
    await refusedNaming(await pca((m) => void m.columns.push(...Array.from({ length: 61 }, (_, i) => ({ ...m.columns[0], name: `z${i}` })))), 'profile_json');
    await refusedNaming(await pca((m) => void (m.columns[4].shares = Array.from({ length: 65 }, (_, i): [string, number] => [`k${i}`, 0.01]))), 'profile_json');
    // A column that is not one of the model's features.
    expect(await refusedNaming(await pca((m) => void (m.columns[1].name = 'x9')), 'profile_json.multivariate.columns[1]')).toMatch(/not one of the model's inputs/);
  });

  it('a profile built before the multivariate check (no PCA block) is accepted, and its monitor says the check is not available', async () => {
    const c = await tempEngine();
    cleanups.push(c.cleanup);
    const f = path.join(dir, 'older.tar');
    fs.writeFileSync(f, await editProfile((p) => void delete p.multivariate));
    expect((await invoke(c.engine, 'bundle.import', { file: f })).added).toMatchObject({ references: 1 });
    const calm = await logLines(c.engine, 'churn@1', { hours: 1, perHour: 100, start: START, seed: 3, idPrefix: 'old' });
    await invoke(c.engine, 'monitor.ingest', { ref: 'churn', files: [writeLines(dir, 'old.ndjson', calm.lines)] });
    const t = await invoke(c.engine, 'monitor.timeline', { ref: 'churn' });
    expect(t.reference[0].multivariate).toMatchObject({ available: false });
    expect(t.reference[0].multivariate!.note).toMatch(/built before the multivariate check/);
    expect(t.windows[0].multivariate).toBeNull();
    expect((await invoke(c.engine, 'monitor.alerts', { model: 'churn' })).rules.map((r) => r.series)).not.toContain('multivariate.drift');
  }, 120_000);

  it('a column over the size bound (~16 KB built, refused past 32 KB) is refused', async () => {
    const msg = await refusedNaming(await editProfile((p) => void (p.features[4].categories = Array.from({ length: 400 }, (_, i) => `${i}`.padEnd(100, 'z')))), 'profile_json.features[4]');
    expect(msg).toMatch(/a reference column is at most 32768/);
  });
});
