/** Dataset types shared by the engine, every door and the renderer. Plain data only. */
import { z } from 'zod';

export const DATASET_FORMATS = ['csv', 'tsv', 'jsonl', 'parquet', 'images'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export const COLUMN_TYPES = ['numeric', 'categorical', 'text', 'boolean', 'datetime'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** A dataset name is used in refs (`name@v2`) and in folder names on export: keep it tame. */
export const datasetNameSchema = z
  .string()
  .min(1, 'a dataset name cannot be empty')
  .max(100, 'a dataset name has at most 100 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'a dataset name starts with a letter or digit and holds only letters, digits, ".", "_" and "-" (no "/", "\\", "@", spaces or control characters)',
  );

export const tagSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9._-]*$/, 'a tag starts with a letter and holds only letters, digits, ".", "_" and "-"')
  .refine((t) => !/^v\d+$/.test(t) && t !== 'latest', 'a tag cannot be "latest" or look like a version number (v3)');

/** `name`, `name@latest`, `name@<tag>`, `name@<hash prefix>`, `name@v<N>`. */
export const datasetRefSchema = z.string().min(1).max(200);

export interface DatasetVersion {
  /** Content hash of the version (sha256 hex over its manifest); stable across workspaces. */
  id: string;
  dataset: string;
  /** 1-based position in the dataset's history: `name@v<number>`. */
  number: number;
  message: string;
  createdAt: string;
  parentId: string | null;
  sourcePath: string;
  format: DatasetFormat;
  /** Bytes of the imported files. */
  size: number;
  fileCount: number;
  rowCount: number;
  columnCount: number;
  /** Bytes this version added to the object store when it was imported (deduplication at work). */
  storedBytes: number;
  tags: string[];
}

export interface DatasetSummary {
  name: string;
  createdAt: string;
  versionCount: number;
  latest: DatasetVersion | null;
}

export interface HistogramBin {
  lo: number;
  hi: number;
  count: number;
}

export interface ColumnProfile {
  name: string;
  type: ColumnType;
  count: number;
  missing: number;
  distinct: number;
  /** true when `distinct` is an estimate (too many values to count exactly). */
  distinctApprox?: boolean;
  min?: number | string;
  max?: number | string;
  mean?: number;
  std?: number;
  histogram?: HistogramBin[];
  /** Numeric columns: quantiles from a KLL sketch (approximate: within ~1.5% of rank, see docs/ARCHITECTURE.md). */
  quantiles?: ColumnQuantiles;
  top?: { value: string; count: number }[];
}

/** Approximate quantiles of a numeric column (pNN: the value at rank NN% of its numbers). */
export interface ColumnQuantiles {
  p01: number;
  p05: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
  p99: number;
}

export interface TableProfile {
  kind: 'table';
  rows: number;
  columns: ColumnProfile[];
}

export interface ImageProfile {
  kind: 'images';
  count: number;
  classes: { name: string; count: number }[];
  formats: { format: string; count: number }[];
  width: { min: number; max: number; mean: number };
  height: { min: number; max: number; mean: number };
  channels: { channels: number; count: number }[];
}

export type DatasetProfile = TableProfile | ImageProfile;

export type CellValue = string | number | boolean | null;

export interface RowPage {
  columns: string[];
  offset: number;
  rows: CellValue[][];
  total: number;
}

export interface SchemaChange {
  column: string;
  change: 'added' | 'removed' | 'type-changed';
  from?: ColumnType;
  to?: ColumnType;
}

export interface ColumnShift {
  column: string;
  type: ColumnType;
  /** Set when the column is in one version only: its other side's numbers are absent, not zero. */
  presence?: 'added' | 'removed';
  missingFrom?: number;
  missingTo?: number;
  meanFrom?: number;
  meanTo?: number;
  stdFrom?: number;
  stdTo?: number;
  distinctFrom?: number;
  distinctTo?: number;
  /** Population stability index between the two profiles' histograms/top values, when comparable. */
  psi?: number;
}

export interface DatasetDiff {
  from: DatasetVersion;
  to: DatasetVersion;
  key: string | null;
  schema: SchemaChange[];
  rows: { added: number; removed: number; modified: number; unchanged: number };
  /** Up to 50 examples of each kind, for the diff view. */
  samples: {
    added: CellValue[][];
    removed: CellValue[][];
    modified: { key: CellValue; before: CellValue[]; after: CellValue[]; changedColumns: string[] }[];
    columns: string[];
    /**
     * Columns a side does not have: `from` lists columns absent from removed rows and `before` cells (added
     * columns), `to` those absent from added rows and `after` cells (removed columns). Their cells hold
     * null as a placeholder, which is not a null value.
     */
    absent?: { from: string[]; to: string[] };
  };
  /**
   * How rows were matched: by the key column, by content (no key: a removed and an added row that agree on
   * at least half the shared columns are one modified row), or not paired (`note` says why, e.g. too many).
   */
  matching?: { by: 'key' | 'content' | 'path' | 'none'; note?: string };
  columns: ColumnShift[];
  /** For image datasets: files by path. */
  files?: { added: string[]; removed: string[]; modified: string[]; unchanged: number };
}

export interface AddResult {
  version: DatasetVersion;
  /** false when the content was identical to an existing version: nothing new was made. */
  created: boolean;
  note: string;
  /** What the import changed that the user should know, e.g. a repeated header renamed `a_2`. */
  warnings: string[];
}
