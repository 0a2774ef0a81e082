import type { CellValue } from '../../../shared/datasets';
import { LatheError } from '../../../shared/errors';
import type { Preprocessing } from '../../../shared/training';
import { isMissing } from './preprocessing';

/**
 * Rows missing features, before a prediction, refused naming the fields unless the caller asked for
 * imputation:
 * - a field absent from a row given as an object is always missing input;
 * - an empty value (null, '' or NaN) is refused for a feature the training split always had (required);
 *   for a feature that was sometimes empty in training it is filled as training filled it.
 * Every filled field is listed, so an answer never hides that part of its input was made up.
 */

export const requiredFeature = (f: { missingInTraining?: number }): boolean => (f.missingInTraining ?? 0) === 0;

export interface MissingCheck {
  imputed: { row: number; fields: string[] }[];
}

/** Throws INVALID_INPUT on the first row missing features it may not miss; else lists what will be filled. */
export function checkMissingFeatures(pre: Extract<Preprocessing, { kind: 'table' }>, rows: CellValue[][] | Record<string, CellValue>[], opts: { impute: boolean; where?: string }): MissingCheck {
  const imputed: MissingCheck['imputed'] = [];
  const where = opts.where ?? 'rows';
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    const missing: string[] = [];
    const refused: string[] = [];
    pre.features.forEach((f, k) => {
      const absent = !Array.isArray(row) && !Object.prototype.hasOwnProperty.call(row, f.column);
      const v = Array.isArray(row) ? row[k] : (row as Record<string, CellValue>)[f.column];
      if (!absent && !isMissing(v)) return;
      missing.push(f.column);
      if (!opts.impute && (absent || requiredFeature(f))) refused.push(f.column);
    });
    if (refused.length > 0) {
      const list = refused.map((c) => JSON.stringify(c)).join(', ');
      throw new LatheError('INVALID_INPUT', `Row ${r} is missing ${refused.length} required feature${refused.length > 1 ? 's' : ''}: ${list}`, {
        where: `${where}.${r}.${refused[0]}`,
        hint: 'Send every feature the model was trained with, or ask for imputation (impute: true) to fill missing values as training did; the answer then lists the fields filled.',
      });
    }
    if (missing.length > 0) imputed.push({ row: r, fields: missing });
  }
  return { imputed };
}
