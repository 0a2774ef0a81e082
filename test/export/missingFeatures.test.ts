import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRawColumns } from '../../src/main/engine/registry/artifact';
import type { CellValue } from '../../src/shared/datasets';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { tempDir, tempEngine } from '../helpers';
import { trainPenguinRun } from '../registry/fixtures';

/**
 * A row missing most of its features must not get a confident answer. models.predict and the exported
 * server (started for real, copied away from the repository) refuse it naming the fields, unless
 * imputation was asked for (models.predict `impute`, the export's `impute`); then the answer lists
 * every field it filled. Penguins: Island is never empty in training (required), Sex sometimes is.
 */

let engine: Engine;
let cleanup: () => void;
let out: string;
let full: Record<string, CellValue>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  ({ engine, cleanup } = await tempEngine());
  out = tempDir('lathe-missing-');
  const r = await trainPenguinRun(engine);
  full = r.rows.find((row) => row.Sex !== null && row['Body Mass (g)'] !== null) as Record<string, CellValue>;
  await invoke(engine, 'models.register', { runId: r.runId, name: 'penguin' });
});
afterAll(() => {
  for (const c of children) c.kill();
  cleanup();
  fs.rmSync(out, { recursive: true, force: true });
});

const sparse = () => ({ 'Beak Length (mm)': full['Beak Length (mm)'] });

async function expectRefused(p: Promise<unknown>, fields: string[]): Promise<void> {
  const err = (await p.then(
    () => null,
    (e: unknown) => e,
  )) as { code: string; message: string; where: string } | null;
  expect(err, 'refused').not.toBeNull();
  expect(err?.code).toBe('INVALID_INPUT');
  for (const f of fields) expect(err?.message).toContain(`"${f}"`);
  expect(err?.where).toBe(`rows.0.${fields[0]}`);
}

describe('models.predict and missing features', () => {
  it('refuses a row missing 5 of its 6 features, naming them', async () => {
    await expectRefused(invoke(engine, 'models.predict', { ref: 'penguin@1', rows: [sparse()] }), ['Island', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex']);
  });

  it('refuses an empty required feature, fills one that training saw empty and says so', async () => {
    await expectRefused(invoke(engine, 'models.predict', { ref: 'penguin@1', rows: [{ ...full, Island: null }] }), ['Island']);
    const ok = await invoke(engine, 'models.predict', { ref: 'penguin@1', rows: [full, { ...full, Sex: null }] });
    expect(ok.imputed).toEqual([{ row: 1, fields: ['Sex'] }]);
    const complete = await invoke(engine, 'models.predict', { ref: 'penguin@1', rows: [full] });
    expect(complete.imputed).toBeUndefined();
  });

  it('with impute: answers, lists the fields filled, and returns class labels as serving does', async () => {
    const p = await invoke(engine, 'models.predict', { ref: 'penguin@1', rows: [sparse(), full], impute: true });
    expect(p.imputed).toEqual([{ row: 0, fields: ['Island', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex'] }]);
    expect(p.labels).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    for (const label of p.predictions) expect(p.labels).toContain(label);
    expect(p.probabilities?.[0]).toHaveLength(3);
  });
});

async function startServer(dir: string): Promise<string> {
  const alone = path.join(tempDir('lathe-missing-srv-'), 'srv');
  fs.cpSync(dir, alone, { recursive: true });
  const child = spawn(process.execPath, ['server.mjs'], { cwd: alone, env: { PATH: process.env.PATH, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (d) => {
      text += d;
      const m = /listening on (http:\/\/\S+)/.exec(text);
      if (m) resolve(m[1]);
    });
    child.on('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
}

const post = async (base: string, rows: unknown[]) => {
  const res = await fetch(`${base}/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ rows }) });
  return { status: res.status, body: (await res.json()) as { error?: string; where?: string; predictions?: string[]; imputed?: { row: number; fields: string[] }[]; labels?: string[] } };
};

describe('the exported server and missing features', () => {
  it('exported without imputation: refuses with 400 naming the fields; fills only what training saw empty', async () => {
    const rec = await invoke(engine, 'export.run', { ref: 'penguin@1', format: 'serving', out: path.join(out, 'strict') });
    expect(JSON.parse(fs.readFileSync(path.join(rec.outDir, 'lathe-model.json'), 'utf8')).impute).toBe(false);
    const base = await startServer(rec.outDir);
    const refused = await post(base, [sparse()]);
    expect(refused.status).toBe(400);
    expect(refused.body.where).toBe('rows[0].Island');
    for (const f of ['Island', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex']) expect(refused.body.error).toContain(`"${f}"`);
    const empty = await post(base, [{ ...full, Island: null }]);
    expect(empty.status).toBe(400);
    expect(empty.body.error).toContain('"Island"');
    const sex = await post(base, [full, { ...full, Sex: null }]);
    expect(sex.status).toBe(200);
    expect(sex.body.imputed).toEqual([{ row: 1, fields: ['Sex'] }]);
  });

  it('exported with imputation: answers like models.predict with impute, listing the fields filled', async () => {
    const rec = await invoke(engine, 'export.run', { ref: 'penguin@1', format: 'serving', out: path.join(out, 'imputing'), impute: true });
    const base = await startServer(rec.outDir);
    const got = await post(base, [sparse(), full]);
    expect(got.status).toBe(200);
    expect(got.body.imputed).toEqual([{ row: 0, fields: ['Island', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex'] }]);
    const want = await invoke(engine, 'models.predict', { ref: 'penguin@1', rows: [sparse(), full], impute: true });
    expect(got.body.predictions).toEqual(want.predictions);
    expect(got.body.labels).toEqual(want.labels);
  });
});

describe('the ONNX export and missing features', () => {
  it('a row with a required column missing gets NaN, not a confident answer, unless exported with imputation', async () => {
    const strict = await invoke(engine, 'export.run', { ref: 'penguin@1', format: 'onnx', out: path.join(out, 'onnx-strict') });
    const imputing = await invoke(engine, 'export.run', { ref: 'penguin@1', format: 'onnx', out: path.join(out, 'onnx-impute'), impute: true });
    const pre = JSON.parse(fs.readFileSync(path.join(strict.outDir, 'preprocessing.json'), 'utf8'));
    const rows = [full, { ...full, Island: null }, { ...full, Sex: null }];
    const x = encodeRawColumns(pre.features, rows.map((r) => pre.features.map((f: { column: string }) => r[f.column])));
    const run = async (dir: string) => {
      const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'));
      try {
        const res = await session.run({ features: new ort.Tensor('float32', x, [rows.length, pre.features.length]) });
        return Array.from(res.output.data as Float32Array);
      } finally {
        await session.release();
      }
    };
    const a = await run(strict.outDir);
    expect(a.slice(0, 3).every(Number.isFinite)).toBe(true);
    expect(a.slice(3, 6).every(Number.isNaN)).toBe(true); // Island missing: required
    expect(a.slice(6, 9).every(Number.isFinite)).toBe(true); // Sex missing: it was missing in training too
    const b = await run(imputing.outDir);
    expect(b.every(Number.isFinite)).toBe(true);
  });
});
