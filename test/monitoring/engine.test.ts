import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LatheEvent } from '../../src/shared/contract';
import { invoke } from '../../src/main/engine/dispatch';
import { createEngine, type Engine } from '../../src/main/engine/engine';
import { defaultRules } from '../../src/main/engine/monitoring/alerts';
import { aliasMarkers } from '../../src/main/engine/monitoring/service';
import { tempDir } from '../helpers';
import { logLines, trainRealModel, writeLines } from './fixture';

/** The whole path on a real workspace: a trained and registered model, its reference, logs by file, labels, outcomes, windows, drift, alerts, report. */
let engine: Engine;
let home: string;
let dir: string;
const START = Date.UTC(2026, 10, 20, 0, 0, 0);
const events: LatheEvent[] = [];
let truth: Map<string, string>;
let logFile: string;
let trainer: 'worker' | 'in-process';

beforeAll(async () => {
  home = tempDir();
  dir = tempDir('lathe-monitor-');
  engine = await createEngine({ home, sample: false });
  engine.events.subscribe((e) => events.push(e));
  ({ trainer } = await trainRealModel(engine, dir));
  await invoke(engine, 'models.alias', { ref: 'churn@1', alias: 'champion' });
  const log = await logLines(engine, 'churn@1', { hours: 4, perHour: 250, start: START, seed: 11 });
  truth = log.truth;
  const lines = [...log.lines];
  lines.splice(10, 0, '{"requestId": "broken"'); // line 11: not JSON
  lines.splice(20, 0, JSON.stringify({ ...JSON.parse(lines[30]), requestId: 'no-version', version: undefined })); // line 21
  lines.splice(30, 0, JSON.stringify({ ...JSON.parse(lines[40]), requestId: 'future', time: new Date(Date.now() + 86_400_000).toISOString() })); // line 31
  lines.push(lines[50]); // a duplicate id inside the same file
  const missing = JSON.parse(lines[60]);
  delete missing.features.x2;
  missing.features.extra = 1;
  missing.requestId = 'missing-x2';
  lines.push(JSON.stringify(missing));
  logFile = writeLines(dir, 'serving-1.ndjson', lines);
}, 240_000);

afterAll(() => {
  engine.close();
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('monitoring a registered model', () => {
  it('registration built the reference profile from the training split and the held-out predictions', async () => {
    const ref = await invoke(engine, 'monitor.reference', { ref: 'churn@1' });
    expect(ref.features.map((f) => f.name)).toEqual(['x0', 'x1', 'x2', 'x3', 'c0']);
    expect(ref.features.find((f) => f.name === 'c0')!.kind).toBe('categorical');
    expect(ref.trainRows + ref.heldOutRows).toBe(1500);
    // The trainer records the split's membership (run_splits); an in-process fallback recomputes the seeded split.
    expect(ref.source).toBe(trainer === 'worker' ? 'membership' : 'seeded-split');
    expect(ref.trainRows).toBeGreaterThan(1000);
    expect(ref.heldOut.accuracy).toBeGreaterThan(0.6);
    for (const f of ref.features) expect(f.bytes).toBeLessThan(16 * 1024);
    expect(events.some((e) => e.type === 'monitor.reference')).toBe(true);
    const rules = (await invoke(engine, 'monitor.alerts', { model: 'churn' })).rules;
    expect(rules.length).toBeGreaterThanOrEqual(4);
    // Listed in the order they were made (default rules share a timestamp: random ids must not shuffle them).
    const expected = defaultRules(ref.heldOut.accuracy ?? null, rules.some((r) => r.series === 'multivariate.drift')).map((r) => r.series);
    expect(rules.map((r) => r.series)).toEqual(expected);
  });

  it('ingests a log file: valid lines kept, bad lines named by line number, duplicates, future times, missing and extra fields counted', async () => {
    const res = await invoke(engine, 'monitor.ingest', { ref: 'churn', files: [logFile] });
    expect(res.accepted).toBe(1001);
    expect(res.duplicates).toBe(1);
    expect(res.malformed).toBe(3);
    expect(res.future).toBe(1);
    expect(res.problems.map((p) => p.where)).toEqual([`${logFile}:11`, `${logFile}:21`, `${logFile}:31`]);
    expect(res.problems[0].message).toMatch(/not JSON/);
    expect(res.problems[1].message).toMatch(/version/);
    expect(res.problems[2].message).toMatch(/future/);
    expect(res.missingFields).toBe(1);
    expect(res.extraFields).toBe(1);
    expect(res.windows).toEqual([0, 1, 2, 3].map((h) => START + h * 3_600_000));
    expect(res.rawSegments).toBe(4);
    expect(events.some((e) => e.type === 'monitor.windows')).toBe(true);
  });

  it('is idempotent by request id: the same file again adds nothing', async () => {
    const before = await invoke(engine, 'monitor.timeline', { ref: 'churn' });
    const res = await invoke(engine, 'monitor.ingest', { ref: 'churn', files: [logFile] });
    expect(res.accepted).toBe(0);
    expect(res.duplicates).toBe(1002);
    const after = await invoke(engine, 'monitor.timeline', { ref: 'churn' });
    expect(after.windows.map((w) => w.rows)).toEqual(before.windows.map((w) => w.rows));
    expect(after.windows.map((w) => w.rows)).toEqual([251, 250, 250, 250]);
  });

  it('joins labels and outcomes by request id; ids that match nothing are reported', async () => {
    const ids = [...truth.keys()].filter((_, i) => i % 2 === 0);
    const labelFile = path.join(dir, 'labels.csv');
    fs.writeFileSync(labelFile, ['request_id,label', ...ids.map((id) => `${id},${truth.get(id)}`), 'nobody,yes', 'q1,maybe'].join('\n') + '\n');
    const res = await invoke(engine, 'monitor.labels', { ref: 'churn', files: [labelFile] });
    expect(res.matched).toBe(ids.length);
    expect(res.unmatched).toBe(1);
    expect(res.unmatchedIds).toEqual(['nobody']);
    expect(res.malformed).toBe(1);
    expect(res.problems[0]).toMatchObject({ where: `${labelFile}:${ids.length + 3}` });
    expect(res.problems[0].message).toMatch(/not a class/);
    // Again: replaced, not double counted.
    const again = await invoke(engine, 'monitor.labels', { ref: 'churn', labels: ids.slice(0, 10).map((requestId) => ({ requestId, label: truth.get(requestId) })) });
    expect(again.replaced).toBe(10);
    const outFile = path.join(dir, 'outcomes.csv');
    fs.writeFileSync(outFile, ['request_id,outcome,value', ...ids.slice(0, 100).map((id, i) => `${id},revenue,${i % 5}`)].join('\n') + '\n');
    const o = await invoke(engine, 'monitor.outcomes', { ref: 'churn', files: [outFile] });
    expect(o.matched).toBe(100);
  });

  it('makes a dataset version from the logged rows and their labels, with lineage from the version that served them', async () => {
    const range = { from: START, to: START + 4 * 3_600_000 };
    const labelled = [...truth.keys()].filter((_, i) => i % 2 === 0);
    const res = await invoke(engine, 'monitor.toDataset', { ref: 'churn', name: 'churn-field', ...range });
    expect(res).toMatchObject({ dataset: 'churn-field', created: true, rows: labelled.length, labelled: labelled.length, servedBy: [1] });
    expect(res.unlabelled).toBeGreaterThanOrEqual(truth.size - labelled.length);
    const page = await invoke(engine, 'datasets.rows', { ref: 'churn-field', offset: 0, limit: 1000 });
    expect(page.columns).toEqual(['x0', 'x1', 'x2', 'x3', 'c0', 'y']);
    expect(page.rows).toHaveLength(labelled.length);
    // The labels are the ones joined, in the target column.
    const labels = page.rows.map((r) => String(r[5]));
    expect(labels.sort()).toEqual(labelled.map((id) => truth.get(id)!).sort());
    const graph = await invoke(engine, 'models.lineage', { ref: 'churn@1' });
    expect(JSON.stringify(graph)).toContain(res.version.id);
    // The same rows again: the same content, no new version.
    const again = await invoke(engine, 'monitor.toDataset', { ref: 'churn', name: 'churn-field', ...range });
    expect(again.created).toBe(false);
    expect(again.version.id).toBe(res.version.id);
    // Without labels required, every logged row (the target left empty where no label came).
    const all = await invoke(engine, 'monitor.toDataset', { ref: 'churn', name: 'churn-all', labelledOnly: false, ...range });
    const logged = (await invoke(engine, 'monitor.timeline', { ref: 'churn', ...range })).windows.reduce((n, w) => n + w.rows, 0);
    expect(all).toMatchObject({ rows: logged, labelled: res.labelled, unlabelled: 0 });
    await expect(invoke(engine, 'monitor.toDataset', { ref: 'churn', name: 'x', from: START - 10 * 3_600_000, to: START - 5 * 3_600_000 })).rejects.toThrow(/No logged rows/);
  });

  it('answers a timeline per window: traffic, drift share, estimated (with band) and realized accuracy, value, KPIs, quality', async () => {
    await invoke(engine, 'monitor.configure', { model: 'churn', config: { valueMatrix: { kind: 'binary', tp: 50, fp: -10, fn: -100, tn: 0 }, kpis: [{ outcome: 'revenue', aggregate: 'sum', unit: 'EUR' }] } });
    const t = await invoke(engine, 'monitor.timeline', { ref: 'churn' });
    expect(t.windows).toHaveLength(4);
    for (const w of t.windows) {
      expect(w.versions).toEqual([1]);
      expect(w.aliases).toEqual(['champion']);
      expect(w.estimated!.accuracy.lo).toBeLessThanOrEqual(w.estimated!.accuracy.value);
      expect(w.labelled).toBeGreaterThan(100);
      // 125 labels a window: realized within 4 sd of the estimate
      expect(Math.abs(w.realized!.accuracy - w.estimated!.accuracy.value)).toBeLessThan(0.2);
      expect(w.value.estimatedPer1000).not.toBeNull();
      expect(w.driftShare).toBeLessThanOrEqual(0.4);
    }
    expect(t.windows[0].kpis.revenue).not.toBeNull();
    expect(t.windows[0].quality.missingFields).toBeCloseTo(1 / (251 * 5), 6);
    expect(t.windows[0].quality.extraFields).toBeCloseTo(1 / 251, 6);
    expect(t.caveat).toMatch(/concept drift/);
  });

  it('reports drift per feature over a range with reference and current histograms, method and threshold on every test', async () => {
    const d = await invoke(engine, 'monitor.drift', { ref: 'churn@champion' });
    expect(d.rows).toBe(1001);
    expect(d.features).toHaveLength(5);
    for (const f of d.features) {
      // x2 has one missing value: 1000 present rows take the small-window tests.
      const small = f.count <= 1000;
      expect(f.test!.method).toBe(f.kind === 'numeric' ? (small ? 'ks' : 'wasserstein') : small ? 'chi2' : 'jensen-shannon');
      expect(f.test!.threshold).toBe(small ? 0.05 : 0.1);
      expect(f.histogram.reference.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      expect(f.histogram.current.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      expect(f.drift).toBe(false);
    }
    expect(d.dataset.drift).toBe(false);
    const one = await invoke(engine, 'monitor.feature', { ref: 'churn', feature: 'x0' });
    expect(one.series).toHaveLength(4);
    expect(one.quantiles.find((q) => q.q === 0.5)!.current).not.toBeNull();
  });

  it('drifted logs raise a firing alert with history and a monitor.alert event', async () => {
    const log = await logLines(engine, 'churn@1', { hours: 3, perHour: 300, start: START + 4 * 3_600_000, seed: 12, shift: { mean: { x0: 1.5, x1: 1.2, x2: 1, x3: -1 } }, idPrefix: 'd' });
    const res = await invoke(engine, 'monitor.ingest', { ref: 'churn', records: log.lines.map((l) => JSON.parse(l)) });
    expect(res.accepted).toBe(900);
    const view = await invoke(engine, 'monitor.alerts', { model: 'churn' });
    const rule = view.rules.find((r) => r.series === 'drift.share')!;
    expect(rule.state).toBe('firing');
    expect(view.history.filter((h) => h.ruleId === rule.id).map((h) => h.to)).toEqual(['firing', 'pending']);
    expect(events.some((e) => e.type === 'monitor.alert' && e.data.to === 'firing' && e.data.series === 'drift.share')).toBe(true);
    const list = await invoke(engine, 'monitor.list', {});
    expect(list[0]).toMatchObject({ model: 'churn', state: 'firing', rows: 1901 });
    const custom = await invoke(engine, 'monitor.setRule', { model: 'churn', rule: { series: 'traffic', op: '<', threshold: 260, forWindows: 1 } });
    // 250 rows in the first four windows (fires at once), 300 after (resolved, then inactive).
    expect(custom.state).toBe('inactive');
    const h = (await invoke(engine, 'monitor.alerts', { model: 'churn' })).history.filter((x) => x.ruleId === custom.id).map((x) => x.to).reverse();
    expect(h).toEqual(['pending', 'firing', 'resolved', 'inactive']);
  });

  it('writes a self-contained HTML report under 2 MB', async () => {
    const r = await invoke(engine, 'monitor.report', { ref: 'churn', out: path.join(dir, 'report.html') });
    expect(r.bytes).toBeLessThan(2 * 1024 * 1024);
    const html = fs.readFileSync(r.file, 'utf8');
    expect(html).toContain('churn');
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect(r.windows).toBe(7);
  });

  it('a reopened workspace cuts raw files back to their last committed batch, removes unrecorded ones, keeps every window', async () => {
    const rawDir = path.join(home, 'monitoring', 'churn', 'raw');
    const orphan = path.join(rawDir, '999.ndjson');
    fs.writeFileSync(orphan, 'x\n');
    const recorded = path.join(rawDir, `${START}.ndjson`);
    const size = fs.statSync(recorded).size;
    fs.appendFileSync(recorded, '{"half a batch a killed ingest wrote"');
    engine.close();
    engine = await createEngine({ home, sample: false });
    expect(fs.existsSync(orphan)).toBe(false);
    expect(fs.statSync(recorded).size).toBe(size);
    expect(fs.readFileSync(recorded, 'utf8').trim().split('\n')).toHaveLength(251);
    expect((await invoke(engine, 'monitor.timeline', { ref: 'churn' })).windows).toHaveLength(7);
    const doctor = await invoke(engine, 'store.doctor', {});
    expect(doctor.integrity).toBe('ok');
  });

  it('marks each alias’s last move before the range as the state at its left edge, and the moves inside it', async () => {
    const moved = (await invoke(engine, 'models.aliasHistory', { name: 'churn', alias: 'champion' })).at(-1)!;
    const later = await invoke(engine, 'monitor.timeline', { ref: 'churn', from: moved.at + 3_600_000, to: moved.at + 7_200_000 });
    expect(later.aliasMoves).toEqual([expect.objectContaining({ alias: 'champion', to: 1, at: moved.at, before: true })]);
    const around = await invoke(engine, 'monitor.timeline', { ref: 'churn', from: moved.at - 3_600_000, to: moved.at + 3_600_000 });
    expect(around.aliasMoves).toEqual([expect.objectContaining({ alias: 'champion', to: 1, at: moved.at })]);
    expect(around.aliasMoves[0].before).toBeUndefined();
    const h = (at: number, alias: string, to: number) => ({ at, alias, from: null, to, reason: '' });
    expect(aliasMarkers([h(30, 'champion', 3), h(10, 'champion', 1), h(20, 'champion', 2), h(5, 'challenger', 1), h(60, 'champion', 4), h(99, 'champion', 5)], 25, 99)).toEqual([
      { ...h(5, 'challenger', 1), before: true },
      { ...h(20, 'champion', 2), before: true },
      h(30, 'champion', 3),
      h(60, 'champion', 4),
    ]);
  });

  it('a logged record with repeated keys reads as the ingest read it (the last wins), from NDJSON and once sealed', async () => {
    const at = START + 30 * 3_600_000;
    const cells = '"x0":1,"x1":2,"x2":3,"x3":4,"c0":"a"';
    // DuckDB refuses a repeated top-level key that JSON.parse accepts; a repeated feature key is read as JSON.parse reads it too.
    const hostile = `{"requestId":"shadow","time":${at},"model":"churn","version":1,"features":{${cells},"x0":9},"output":{"prediction":"yes"},"requestId":"winner"}`;
    const plain = JSON.stringify({ requestId: 'plain', time: at + 1, model: 'churn', version: 1, features: { x0: 5, x1: 6, x2: 7, x3: 8, c0: 'b' }, output: { prediction: 'no' } });
    expect(await invoke(engine, 'monitor.ingest', { ref: 'churn', files: [writeLines(dir, 'repeated.ndjson', [hostile, plain])] })).toMatchObject({ accepted: 2 });
    await invoke(engine, 'monitor.labels', { ref: 'churn', labels: [{ requestId: 'winner', label: 'yes' }, { requestId: 'plain', label: 'no' }] });
    const range = { from: at, to: at + 3_600_000 };
    const fromNdjson = await invoke(engine, 'monitor.toDataset', { ref: 'churn', name: 'churn-repeated', ...range });
    const rows = (await invoke(engine, 'datasets.rows', { ref: 'churn-repeated', offset: 0, limit: 10 })).rows;
    expect(rows.map((r) => r.map(String))).toEqual([
      ['9', '2', '3', '4', 'a', 'yes'],
      ['5', '6', '7', '8', 'b', 'no'],
    ]);
    const sealed = await engine.monitoring.compaction.run();
    expect(sealed.failed).toEqual([]);
    expect(engine.monitoring.repo.segments('churn', range.from, range.to)).toEqual([]);
    const fromParts = await invoke(engine, 'monitor.toDataset', { ref: 'churn', name: 'churn-repeated', ...range });
    expect(fromParts).toMatchObject({ created: false, version: { id: fromNdjson.version.id } });
  });
});
