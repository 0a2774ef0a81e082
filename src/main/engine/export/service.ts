import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CellValue } from '../../../shared/datasets';
import { LatheError } from '../../../shared/errors';
import type { ExportFormat, ExportRecord } from '../../../shared/registry';
import type { ExportRow, VersionRow } from '../db/registryRepo';
import type { DatasetService } from '../datasets/service';
import type { EventBus } from '../events';
import { encodeRawColumns, MODEL_DIR, syntheticRows, type ArtifactFiles } from '../registry/artifact';
import { loadArtifactModel } from '../registry/predict';
import { newId } from '../ids';
import type { ModelCards } from '../registry/cards';
import { osUser } from '../registry/osUser';
import type { RegistryService } from '../registry/service';
import { orderRows } from '../training/preprocessing';
import { predictEncoded, predictRows } from '../training/modelArtifact';
import { convertToOnnx, ONNX_OPSET } from './onnx';
import { servingFiles } from './serving';
import { targetInside } from '../safePath';

/** Largest difference allowed between ONNX Runtime's and TF.js's outputs on the check rows. */
export const ONNX_TOLERANCE = 1e-4;

type Progress = (phase: string, done: number, total: number) => void;

/** Deployment exports: tfjs, onnx, serving, card. Each is recorded (exports table + lineage) with its content hash. */
export class ExportService {
  /** Set by the engine once monitoring exists: a version's reference profile JSON, copied into serving exports. */
  referenceOf: (versionId: string) => string | undefined = () => undefined;

  constructor(
    private readonly registry: RegistryService,
    private readonly cards: ModelCards,
    private readonly datasets: DatasetService,
    private readonly events: EventBus,
  ) {}

  private toRecord(e: ExportRow): ExportRecord {
    const v = this.registry.repo.version(e.version_id);
    return {
      id: e.id,
      versionId: e.version_id,
      model: v?.model ?? '',
      number: v?.number ?? 0,
      format: e.format as ExportFormat,
      outDir: e.out_dir,
      contentHash: e.content_hash,
      files: JSON.parse(e.files_json) as ExportRecord['files'],
      bytes: e.bytes,
      createdAt: e.created_at,
      createdBy: e.created_by,
      report: JSON.parse(e.report_json) as Record<string, unknown>,
    };
  }

  history(ref: string | undefined, limit: number): ExportRecord[] {
    const ids = ref ? [this.registry.resolve(ref).id] : null;
    return this.registry.repo.exportsOf(ids, limit).map((e) => this.toRecord(e));
  }

  async run(i: { ref: string; format: ExportFormat; out: string; checkRows: number; impute?: boolean }): Promise<ExportRecord> {
    const v = this.registry.resolve(i.ref);
    const out = path.resolve(i.out);
    if (fs.existsSync(out) && (!fs.statSync(out).isDirectory() || fs.readdirSync(out).length > 0)) {
      throw new LatheError('ALREADY_EXISTS', `${out} exists and is not an empty folder`, { where: 'out', hint: 'Export into a new or empty folder.' });
    }
    const task = newId();
    const label = `Export ${v.model}@${v.number} (${i.format})`;
    const progress: Progress = (phase, done, total) => this.events.emit('task.progress', { task, label, phase, done, total });
    // Written beside the target, then renamed: the folder is whole or absent.
    const stage = `${out}.lathe-partial-${process.pid}-${task.slice(0, 8)}`;
    fs.mkdirSync(stage, { recursive: true });
    let report: Record<string, unknown> = {};
    try {
      progress('reading the model', 0, 4);
      const a = this.registry.artifactFiles(v);
      if (i.format === 'tfjs') report = this.writeTfjs(v, stage);
      else if (i.format === 'card') report = await this.writeCard(v, stage);
      else if (i.format === 'onnx') report = await this.writeOnnx(v, a, stage, i.checkRows, progress, i.impute ?? false);
      else report = this.writeServing(v, a, stage, out, i.impute ?? false);
      progress('recording', 3, 4);
      fs.rmSync(out, { recursive: true, force: true }); // an empty folder (checked above)
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.renameSync(stage, out);
    } catch (e) {
      fs.rmSync(stage, { recursive: true, force: true });
      throw e;
    }
    const files = listFiles(out).map((rel) => {
      const data = fs.readFileSync(path.join(out, rel));
      return { path: rel, sha256: createHash('sha256').update(data).digest('hex'), size: data.length };
    });
    const contentHash = createHash('sha256')
      .update(files.map((f) => `${f.sha256}  ${f.path}\n`).join(''))
      .digest('hex');
    const now = Date.now();
    const row: ExportRow = {
      id: newId(),
      version_id: v.id,
      format: i.format,
      out_dir: out,
      content_hash: contentHash,
      files_json: JSON.stringify(files),
      bytes: files.reduce((s, f) => s + f.size, 0),
      created_at: now,
      created_by: osUser(),
      report_json: JSON.stringify(report),
    };
    this.registry.repo.transaction(() => {
      this.registry.repo.insertExport(row);
      this.registry.repo.addLineage({ from_kind: 'model_version', from_id: v.id, to_kind: 'export', to_id: row.id, relation: `export:${i.format}`, created_at: new Date(now).toISOString() });
    });
    progress('done', 4, 4);
    this.events.emit('models.changed', { model: v.model });
    return this.toRecord(row);
  }

  private copyModelFiles(v: VersionRow, dir: string): string[] {
    const names: string[] = [];
    for (const f of this.registry.repo.files(v.id)) {
      if (!f.path.startsWith(MODEL_DIR)) continue;
      const rel = f.path.slice(MODEL_DIR.length);
      if (rel.includes('/')) continue; // the four files live at the top of model/
      this.registry.store.writeBlobToFile(f.blob_hash, targetInside(dir, rel, 'model file'));
      names.push(rel);
    }
    return names;
  }

  private writeTfjs(v: VersionRow, dir: string): Record<string, unknown> {
    const files = this.copyModelFiles(v, dir);
    fs.writeFileSync(
      path.join(dir, 'README.md'),
      `# ${v.model} v${v.number} (TF.js layers model)\n\nLoad with \`tf.loadLayersModel('file://.../model.json')\` (tfjs-node), \`tf.loadLayersModel('model.json')\` in a browser page served beside these files, or \`tf.io.fromMemory\`. Apply \`preprocessing.json\` to raw rows first (see Lathe's docs/TRAINING.md); \`signature.json\` lists the inputs and the labels in output order.\n`,
    );
    return { files, load: "tf.loadLayersModel('file://<dir>/model.json')" };
  }

  private async writeCard(v: VersionRow, dir: string): Promise<Record<string, unknown>> {
    const card = await this.cards.cardAsync(v.id);
    fs.writeFileSync(path.join(dir, 'model-card.md'), card.markdown);
    fs.writeFileSync(path.join(dir, 'model-card.html'), card.html);
    return { files: ['model-card.md', 'model-card.html'] };
  }

  /** Up to n rows of the version's dataset, for the ONNX check; synthetic rows when it is not here. */
  private async checkRows(v: VersionRow, a: ArtifactFiles, n: number): Promise<{ rows: CellValue[][]; source: string }> {
    const pre = a.preprocessing;
    if (pre.kind !== 'table') return { rows: [], source: 'random pixels' };
    const dataVersion = a.signature.dataVersion;
    const dataset = a.signature.dataset;
    if (dataVersion && dataset) {
      try {
        const ref = `${dataset}@${dataVersion}`;
        const head = await this.datasets.rows(ref, 0, 1);
        const offset = Math.max(0, head.total - n); // the last rows of the version
        const page = await this.datasets.rows(ref, offset, Math.min(n, 1000));
        const objects = page.rows.map((r) => Object.fromEntries(page.columns.map((c, j) => [c, r[j]])));
        if (objects.length) return { rows: orderRows(pre, objects), source: `${dataset}@${dataVersion.slice(0, 12)} rows ${offset}-${offset + objects.length - 1}` };
      } catch {
        // fall through to synthetic rows
      }
    }
    return { rows: syntheticRows(pre.features, n, 7), source: 'synthetic rows from the preprocessing statistics' };
  }

  private async writeOnnx(v: VersionRow, a: ArtifactFiles, dir: string, n: number, progress: Progress, impute: boolean): Promise<Record<string, unknown>> {
    progress('converting', 1, 4);
    const t0 = performance.now();
    const onnx = convertToOnnx(a, { model: v.model, version: String(v.number), versionId: v.id }, { impute });
    fs.writeFileSync(path.join(dir, 'model.onnx'), onnx);
    for (const f of ['preprocessing.json', 'signature.json']) {
      const row = this.registry.repo.files(v.id).find((x) => x.path === `${MODEL_DIR}${f}`);
      if (row) this.registry.store.writeBlobToFile(row.blob_hash, path.join(dir, f));
    }
    progress('checking in onnxruntime', 2, 4);
    const check = await this.checkOnnx(v, a, onnx, n);
    if (!(check.maxAbsDiff <= ONNX_TOLERANCE)) {
      throw new LatheError('INTERNAL', `The ONNX model disagrees with TF.js: max abs difference ${check.maxAbsDiff} on ${check.rows} rows (allowed ${ONNX_TOLERANCE})`, {
        hint: 'Nothing was exported. Please report this model architecture.',
      });
    }
    fs.writeFileSync(path.join(dir, 'README.md'), onnxReadme(v, a, check));
    return { opset: ONNX_OPSET, check, ms: Math.round(performance.now() - t0) };
  }

  private async checkOnnx(v: VersionRow, a: ArtifactFiles, onnx: Buffer, n: number): Promise<{ rows: number; maxAbsDiff: number; tolerance: number; source: string; runtime: string }> {
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(onnx);
    const loaded = await loadArtifactModel(a);
    try {
      const pre = a.preprocessing;
      let expected: Float32Array;
      let feeds: Record<string, InstanceType<typeof ort.Tensor>>;
      let rows: number;
      let source: string;
      if (pre.kind === 'table') {
        const r = await this.checkRows(v, a, n);
        rows = r.rows.length;
        source = r.source;
        const p = await predictRows(loaded, r.rows);
        expected = Float32Array.from(p.probabilities ? p.probabilities.flat() : (p.predictions as number[]));
        feeds = { features: new ort.Tensor('float32', encodeRawColumns(pre.features, r.rows), [rows, pre.features.length]) };
      } else {
        rows = n;
        source = 'random pixels';
        const per = pre.height * pre.width * pre.channels;
        const pixels = new Float32Array(rows * per);
        let s = 12345;
        for (let k = 0; k < pixels.length; k++) pixels[k] = (s = (s * 1103515245 + 12345) >>> 0) % 256;
        const scaled = pixels.map((p) => p * pre.scale);
        expected = await predictEncoded(loaded, scaled, rows, [pre.height, pre.width, pre.channels]);
        feeds = { image: new ort.Tensor('float32', pixels, [rows, pre.height, pre.width, pre.channels]) };
      }
      const res = await session.run(feeds);
      const got = res.output.data as Float32Array;
      if (got.length !== expected.length) throw new LatheError('INTERNAL', `ONNX output has ${got.length} values; TF.js gave ${expected.length}`);
      let maxAbsDiff = 0;
      for (let k = 0; k < got.length; k++) {
        const d = Math.abs(got[k] - expected[k]);
        maxAbsDiff = Number.isNaN(d) ? Infinity : Math.max(maxAbsDiff, d);
      }
      return { rows, maxAbsDiff, tolerance: ONNX_TOLERANCE, source, runtime: `onnxruntime-node ${ort.env.versions?.common ?? ''}`.trim() };
    } finally {
      loaded.model.dispose();
      await session.release();
    }
  }

  private writeServing(v: VersionRow, a: ArtifactFiles, dir: string, finalDir: string, impute: boolean): Record<string, unknown> {
    if (a.preprocessing.kind !== 'table') {
      throw new LatheError('INVALID_INPUT', `${v.model}@${v.number} takes images; the serving export serves table models`, {
        where: 'format',
        hint: 'Export it as onnx or tfjs and serve it with your image pipeline.',
      });
    }
    const modelDir = path.join(dir, 'model');
    fs.mkdirSync(modelDir);
    this.copyModelFiles(v, modelDir);
    const aliases = this.registry.toVersion(v).aliases;
    const alias = aliases.includes('champion') ? 'champion' : (aliases[0] ?? null);
    for (const [rel, text] of Object.entries(servingFiles(v.model, v.number, v.id, { impute, alias, reference: this.referenceOf(v.id) }))) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    }
    return { impute, run: `cd ${finalDir} && node server.mjs`, smokeTest: `cd ${finalDir} && node smoke-test.mjs`, docker: `docker build -t ${v.model.toLowerCase()}:${v.number} ${finalDir}` };
  }
}

function listFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true }).sort((x, y) => x.name.localeCompare(y.name))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(root, r));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

function onnxReadme(v: VersionRow, a: ArtifactFiles, check: { rows: number; maxAbsDiff: number; source: string }): string {
  const pre = a.preprocessing;
  const inputs =
    pre.kind === 'table'
      ? [
          '`features`: float32 [N, ' + pre.features.length + '], one column per input, in this order:',
          '',
          '| # | column | what to put in |',
          '| --- | --- | --- |',
          ...pre.features.map((f, j) =>
            f.kind === 'numeric'
              ? `| ${j} | ${f.column} | the number (NaN when missing) |`
              : `| ${j} | ${f.column} | the index of the value in \`vocab\` of preprocessing.json (NaN when missing, -1 when not in the vocab) |`,
          ),
        ].join('\n')
      : `\`image\`: float32 [N, ${pre.height}, ${pre.width}, ${pre.channels}], raw pixel values 0-255 (NHWC), resized to ${pre.width} x ${pre.height}.`;
  return `# ${v.model} v${v.number} (ONNX, opset ${ONNX_OPSET})

Standardisation, imputation and one-hot encoding are nodes of the graph: feed raw values.

## Input
${inputs}

## Outputs
- \`output\`: ${a.signature.task === 'classification' ? `probabilities, float32 [N, ${a.signature.outputSize}], in this label order: ${(a.signature.labels ?? []).join(', ')}` : 'the predicted value, float32 [N, 1], in the target\'s units'}
${a.signature.task === 'classification' ? '- `class_index`: int64 [N], the most probable label\'s index\n' : ''}
## Checked
At export, onnxruntime-node and TF.js predicted the same ${check.rows} rows (${check.source}); max abs difference ${check.maxAbsDiff.toExponential(2)}.
`;
}
