import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import {
  bundleAliasSchema,
  bundleArtifactSchema,
  bundleDatasetFileSchema,
  bundleDatasetSchema,
  bundleDatasetVersionSchema,
  bundleExperimentSchema,
  bundleModelFileSchema,
  bundleModelSchema,
  bundleModelVersionSchema,
  bundleRunSchema,
} from '../../shared/bundles';
import type { DoctorReport } from '../../shared/contract';
import { checkDatabase, type Db } from './db/connection';
import { DoctorRepo } from './db/doctorRepo';
import { checkDatasetVersion, RowProblem, tableIndexProblem } from './bundles/manifestGate';
import type { ObjectStore } from './store/objectStore';

/**
 * `lathe doctor`: the bytes (every chunk and blob re-hashed, objectStore.verifyAll), the database
 * (integrity, foreign keys), and the meaning of what is stored: every name, path, number and status
 * against the same schemas the contract and the bundle gate use, every dataset version's id derived
 * again from its files, its profile and row index parsed and checked against it, every file's size
 * against its object. Also the pack files the database never recorded, with their size and the
 * command that frees them.
 */

type Problem = DoctorReport['problems'][number];

function schemaProblem(schema: z.ZodType, row: unknown): string | undefined {
  const r = schema.safeParse(row);
  if (r.success) return undefined;
  const i = r.error.issues[0];
  return `field "${i.path.map(String).join('.') || '(record)'}": ${i.message}`;
}

const runRowSchema = bundleRunSchema.omit({ params: true, tags: true, metrics: true, artifacts: true });
const experimentRowSchema = bundleExperimentSchema.omit({ tags: true });
const datasetVersionRowSchema = bundleDatasetVersionSchema.omit({ files: true });

/** The meaning checks: counts of what was checked and the problems found. */
export function checkMeaning(db: Db, store: ObjectStore): { checked: DoctorReport['meaning']; problems: Problem[] } {
  const repo = new DoctorRepo(db);
  const problems: Problem[] = [];
  const checked = { datasetVersions: 0, modelVersions: 0, runs: 0, experiments: 0, files: 0 };
  const note = (object: string, problem: string | undefined) => {
    if (problem) problems.push({ object, problem });
  };
  const sizeProblem = (hash: string, size: number): string | undefined => {
    if (!store.hasBlob(hash)) return `its object ${hash.slice(0, 12)} is not in the store`;
    const actual = store.blobSize(hash);
    return actual === size ? undefined : `says ${size} bytes; its object ${hash.slice(0, 12)} is ${actual}`;
  };

  for (const d of repo.datasets()) {
    note(`dataset "${d.name}"`, schemaProblem(bundleDatasetSchema, d));
    for (const v of repo.versions(d.id)) {
      checked.datasetVersions++;
      const label = `dataset version ${d.name}@v${v.number} (${v.id.slice(0, 12)})`;
      const files = repo.datasetFiles(d.id, v.id);
      const bad = schemaProblem(datasetVersionRowSchema, v) ?? files.map((f) => schemaProblem(bundleDatasetFileSchema, f)).find((p) => p !== undefined);
      if (bad) {
        note(label, bad);
        continue;
      }
      const version = bundleDatasetVersionSchema.parse({ ...v, files });
      checked.files += version.files.length;
      try {
        checkDatasetVersion(version);
      } catch (e) {
        if (!(e instanceof RowProblem)) throw e;
        note(label, `field "${e.field}": ${e.why}`);
        continue;
      }
      version.files.forEach((f) => note(`${label} file "${f.path}"`, sizeProblem(f.blob_hash, f.size)));
      if (version.index_blob !== null) {
        if (!store.hasBlob(version.index_blob)) note(label, `its row index ${version.index_blob.slice(0, 12)} is not in the store`);
        else {
          const problem = tableIndexProblem(version, readOrNull(store, version.index_blob) ?? Buffer.alloc(0));
          note(label, problem && `its row index does not fit the version: ${problem}`);
        }
      }
    }
  }

  for (const m of repo.models()) note(`model "${String(m.name)}"`, schemaProblem(bundleModelSchema, m));
  for (const v of repo.modelVersions()) {
    checked.modelVersions++;
    note(`model version ${String(v.model)}@${String(v.number)} (${String(v.id)})`, schemaProblem(bundleModelVersionSchema, v));
  }
  for (const f of repo.modelFiles()) {
    checked.files++;
    const label = `model file "${String(f.path)}" of version ${String(f.version_id)}`;
    note(label, schemaProblem(bundleModelFileSchema, f) ?? sizeProblem(String(f.blob_hash), Number(f.size)));
  }
  for (const a of repo.aliases()) note(`alias ${String(a.model)}@${String(a.alias)}`, schemaProblem(bundleAliasSchema, a));
  for (const e of repo.experiments()) {
    checked.experiments++;
    note(`experiment "${String(e.name)}" (${String(e.id)})`, schemaProblem(experimentRowSchema, e));
  }
  for (const r of repo.runs()) {
    checked.runs++;
    note(`run ${String(r.id)}`, schemaProblem(runRowSchema, r));
  }
  for (const a of repo.artifacts()) {
    checked.files++;
    const { run_id: runId, ...row } = a;
    note(`artifact "${String(a.path)}" of run ${String(runId)}`, schemaProblem(bundleArtifactSchema, row) ?? sizeProblem(String(a.blob_hash), Number(a.size)));
  }
  return { checked, problems };
}

function readOrNull(store: ObjectStore, hash: string): Buffer | null {
  try {
    return store.readBlob(hash);
  } catch {
    return null; // damaged bytes: reported by verifyAll
  }
}

/** Pack files on disk the database does not know (a crash between writing and committing): wasted space `lathe gc` frees. */
export function unrecordedPacks(store: ObjectStore): { file: string; bytes: number }[] {
  const known = new Set(store.repo.packIds());
  const out: { file: string; bytes: number }[] = [];
  for (const f of fs.readdirSync(store.packsDir).sort()) {
    if (known.has(f.replace(/\.pack$/, ''))) continue;
    out.push({ file: path.join('objects', 'packs', f), bytes: fs.statSync(path.join(store.packsDir, f)).size });
  }
  return out;
}

export function doctor(db: Db, store: ObjectStore, tempFilesRemoved: number): DoctorReport {
  const { integrity, foreignKeys } = checkDatabase(db);
  const verified = store.verifyAll();
  const meaning = checkMeaning(db, store);
  const packs = unrecordedPacks(store);
  const problems = [...verified.problems, ...meaning.problems];
  return {
    ok: integrity === 'ok' && foreignKeys === 0 && problems.length === 0,
    integrity,
    foreignKeys,
    chunksChecked: verified.chunksChecked,
    bytesChecked: verified.bytesChecked,
    problems,
    tempFilesRemoved,
    meaning: meaning.checked,
    unrecordedPacks: packs,
    unrecordedBytes: packs.reduce((s, p) => s + p.bytes, 0),
    freeCommand: 'lathe gc',
  };
}
