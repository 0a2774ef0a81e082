import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CellValue } from '../../src/shared/datasets';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { encodeRawColumns } from '../../src/main/engine/registry/artifact';
import { tempDir, tempEngine } from '../helpers';
import { trainPenguinRun } from '../registry/fixtures';

let engine: Engine;
let cleanup: () => void;
let out: string;
let rows: Record<string, CellValue>[];

beforeAll(async () => {
  ({ engine, cleanup } = await tempEngine());
  out = tempDir('lathe-export-');
  const r = await trainPenguinRun(engine, { batchNorm: true, activation: 'tanh' });
  rows = r.rows;
  await invoke(engine, 'models.register', { runId: r.runId, name: 'penguin' });
  const s = await trainPenguinRun(engine, { activation: 'sigmoid', hidden: [12] });
  await invoke(engine, 'models.register', { runId: s.runId, name: 'penguin' });
});
afterAll(() => {
  cleanup();
  fs.rmSync(out, { recursive: true, force: true });
});

const maxAbs = (a: number[][], b: number[][]) => Math.max(...a.flatMap((r, i) => r.map((v, j) => Math.abs(v - b[i][j]))));

describe('export', () => {
  it('tfjs: the folder loads in @tensorflow/tfjs and predicts what the registry predicts', async () => {
    const rec = await invoke(engine, 'export.run', { ref: 'penguin@1', format: 'tfjs', out: path.join(out, 'tfjs') });
    expect(rec.files.map((f) => f.path).sort()).toEqual(['README.md', 'model.json', 'preprocessing.json', 'signature.json', 'weights.bin']);
    expect(rec.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const dir = rec.outDir;
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    const weights = fs.readFileSync(path.join(dir, json.weightsManifest[0].paths[0]));
    // A file IOHandler reading exactly the exported files.
    const model = await tf.loadLayersModel({
      load: async () => ({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }),
    });
    const { encodeTable } = await import('../../src/main/engine/training/preprocessing');
    const pre = JSON.parse(fs.readFileSync(path.join(dir, 'preprocessing.json'), 'utf8'));
    const some = rows.slice(0, 20);
    const x = encodeTable(pre.features, some.map((r) => pre.features.map((f: { column: string }) => r[f.column])), pre.inputSize);
    const y = (model.predict(tf.tensor2d(x, [some.length, pre.inputSize])) as tf.Tensor).arraySync() as number[][];
    const registry = await invoke(engine, 'models.predict', { ref: 'penguin@1', rows: some });
    expect(maxAbs(y, registry.probabilities!)).toBeLessThan(1e-6);
    model.dispose();
  });

  it('onnx: opset 13 with preprocessing in the graph, checked in onnxruntime at export', async () => {
    for (const ref of ['penguin@1', 'penguin@2']) {
      const t0 = performance.now();
      const rec = await invoke(engine, 'export.run', { ref, format: 'onnx', out: path.join(out, `onnx-${ref.replace('@', '-')}`) });
      const ms = performance.now() - t0;
      const check = rec.report.check as { rows: number; maxAbsDiff: number; source: string };
      expect(check.rows).toBe(100);
      expect(check.maxAbsDiff).toBeLessThanOrEqual(1e-4);
      expect(check.source).toContain('penguins@');
      expect(rec.report.opset).toBeGreaterThanOrEqual(13);
      expect(ms).toBeLessThan(5000);
      // Independently: raw rows (with a missing cell and an unseen category) through onnxruntime.
      const pre = JSON.parse(fs.readFileSync(path.join(rec.outDir, 'preprocessing.json'), 'utf8'));
      const some = rows.slice(0, 30).map((r) => ({ ...r }));
      some[0]['Beak Length (mm)'] = null;
      some[1].Island = 'Atlantis';
      some[2].Sex = null;
      const cells = some.map((r) => pre.features.map((f: { column: string }) => r[f.column]));
      const session = await ort.InferenceSession.create(path.join(rec.outDir, 'model.onnx'));
      const res = await session.run({ features: new ort.Tensor('float32', encodeRawColumns(pre.features, cells), [cells.length, pre.features.length]) });
      const got = Array.from(res.output.data as Float32Array);
      const want = (await invoke(engine, 'models.predict', { ref, rows: some })).probabilities!;
      const k = want[0].length;
      expect(maxAbs(want, want.map((_, i) => got.slice(i * k, (i + 1) * k)))).toBeLessThanOrEqual(1e-4);
      const idx = Array.from(res.class_index.data as BigInt64Array).map(Number);
      const labels = JSON.parse(fs.readFileSync(path.join(rec.outDir, 'signature.json'), 'utf8')).labels as string[];
      expect(idx.map((i) => labels[i])).toEqual((await invoke(engine, 'models.predict', { ref, rows: some })).predictions);
      await session.release();
    }
  });

  it('serving: a self-contained server answers /health and /predict like the registry, and validates input', async () => {
    const rec = await invoke(engine, 'export.run', { ref: 'penguin@1', format: 'serving', out: path.join(out, 'serving') });
    const dir = rec.outDir;
    for (const f of ['server.mjs', 'predictor.mjs', 'smoke-test.mjs', 'Dockerfile', 'README.md', 'package.json', 'model/model.json', 'model/weights.bin']) {
      expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    }
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).dependencies).toBeUndefined();
    expect(String(rec.report.run)).toContain('node server.mjs');
    // Copied away from the repository: it must not need Lathe or node_modules.
    const alone = path.join(tempDir('lathe-serving-'), 'srv');
    fs.cpSync(dir, alone, { recursive: true });
    const child = spawn(process.execPath, ['server.mjs'], { cwd: alone, env: { PATH: process.env.PATH, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const base = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (d) => {
          text += d;
          const m = /listening on (http:\/\/\S+)/.exec(text);
          if (m) resolve(m[1]);
        });
        child.on('exit', (c) => reject(new Error(`exited ${c}`)));
      });
      expect(base).toContain('127.0.0.1');
      const health = await (await fetch(`${base}/health`)).json();
      expect(health).toMatchObject({ status: 'ok', model: 'penguin', version: 1 });
      const some = rows.slice(0, 25);
      const res = await fetch(`${base}/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ rows: some }) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { predictions: string[]; probabilities: number[][] };
      const want = await invoke(engine, 'models.predict', { ref: 'penguin@1', rows: some });
      expect(body.predictions).toEqual(want.predictions);
      expect(maxAbs(body.probabilities, want.probabilities!)).toBeLessThan(1e-4);
      const bad = await fetch(`${base}/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ rows: [some[0], { ...some[1], 'Body Mass (g)': 'heavy' }] }) });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ where: 'rows[1].Body Mass (g)' });
      const unknown = await fetch(`${base}/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ rows: [{ Wings: 2 }] }) });
      expect(unknown.status).toBe(400);
      expect((await unknown.json()).error).toContain('unknown field "Wings"');
    } finally {
      child.kill();
    }
    const smoke = spawn(process.execPath, ['smoke-test.mjs'], { cwd: alone, stdio: ['ignore', 'pipe', 'pipe'] });
    let smokeOut = '';
    smoke.stdout.on('data', (d) => (smokeOut += d));
    const code = await new Promise((r) => smoke.on('exit', r));
    expect(code, smokeOut).toBe(0);
    expect(smokeOut).toContain('smoke test passed');
    fs.rmSync(path.dirname(alone), { recursive: true, force: true });
  });

  it('card: Markdown and HTML; every export is in the history and the lineage with its hash', async () => {
    const rec = await invoke(engine, 'export.run', { ref: 'penguin@1', format: 'card', out: path.join(out, 'card') });
    expect(fs.readFileSync(path.join(rec.outDir, 'model-card.md'), 'utf8')).toContain('# Model card: penguin v1');
    expect(fs.readFileSync(path.join(rec.outDir, 'model-card.html'), 'utf8')).toContain('<h1>Model card: penguin v1</h1>');
    const history = await invoke(engine, 'export.history', { ref: 'penguin@1' });
    expect(history.map((h) => h.format).sort()).toEqual(['card', 'onnx', 'serving', 'tfjs']);
    const g = await invoke(engine, 'models.lineage', { ref: 'penguin@1' });
    const exports = g.nodes.filter((n) => n.kind === 'export');
    expect(exports).toHaveLength(4);
    expect(exports.map((n) => n.label).join(' ')).toContain(rec.contentHash.slice(0, 12));
    await expect(invoke(engine, 'export.run', { ref: 'penguin@1', format: 'card', out: path.join(out, 'card') })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
  });
});
