import type { CellValue } from '../../../shared/datasets';
import type { FileRow } from '../db/datasetsRepo';

/** An image dataset's rows are its files; these are the columns shown for each. */
export const IMAGE_COLUMNS = ['path', 'class', 'width', 'height', 'format', 'bytes'] as const;

/** Per-file facts kept in dataset_files.meta_json for an image. */
export interface ImageFileMeta {
  class: string;
  width: number;
  height: number;
  format: string;
  channels: number;
}

export function imageRow(f: FileRow): CellValue[] {
  const meta = JSON.parse(f.meta_json ?? '{}') as Partial<ImageFileMeta>;
  return [f.path, meta.class ?? null, meta.width ?? null, meta.height ?? null, meta.format ?? null, f.size];
}
