import type { ColumnProfile, TableProfile } from '../../../shared/datasets';
import { LatheError } from '../../../shared/errors';
import type { Task, TaskSuggestion } from '../../../shared/training';

/** Integer-valued numeric targets with at most this many values read as class codes. */
const MAX_INT_CLASSES = 20;

function isIntegral(v: number | string | undefined): boolean {
  return typeof v === 'number' && Number.isInteger(v);
}

/** What a target column asks for: categories, booleans and few whole numbers are classes; other numbers a value. */
export function suggestTask(col: ColumnProfile): { task: Task; reason: string } {
  if (col.type === 'numeric') {
    const whole = isIntegral(col.min) && isIntegral(col.max);
    if (whole && col.distinct <= MAX_INT_CLASSES) return { task: 'classification', reason: `whole numbers with only ${col.distinct} distinct values read as classes` };
    return { task: 'regression', reason: `numeric with ${col.distinct}${col.distinctApprox ? '+' : ''} distinct values` };
  }
  if (col.type === 'datetime') return { task: 'regression', reason: 'dates are predicted as a value (ms since 1970)' };
  return { task: 'classification', reason: `${col.type} column with ${col.distinct} distinct values` };
}

/**
 * Columns left out of the default features: the target, a split column, columns with no value at all,
 * and text columns that look like identifiers or free text (most values unique), which an MLP cannot use.
 */
export function defaultFeatures(profile: TableProfile, target: string, exclude: string[] = []): { features: string[]; excluded: { column: string; reason: string }[] } {
  const features: string[] = [];
  const excluded: { column: string; reason: string }[] = [];
  for (const c of profile.columns) {
    if (c.name === target) continue;
    const present = c.count - c.missing;
    if (exclude.includes(c.name)) excluded.push({ column: c.name, reason: 'it says which split each row is in' });
    else if (present === 0) excluded.push({ column: c.name, reason: 'it has no values' });
    else if (c.type === 'text' && c.distinct > Math.max(50, 0.5 * present)) excluded.push({ column: c.name, reason: `text with ${c.distinct} distinct values (an identifier or free text)` });
    else features.push(c.name);
  }
  return { features, excluded };
}

export function profileColumn(profile: TableProfile, name: string, where: string): ColumnProfile {
  const col = profile.columns.find((c) => c.name === name);
  if (!col) {
    throw new LatheError('INVALID_INPUT', `There is no column "${name}"`, {
      where,
      hint: `Columns: ${profile.columns.map((c) => c.name).slice(0, 30).join(', ')}`,
    });
  }
  return col;
}

export function suggestForTable(profile: TableProfile, target: string): TaskSuggestion {
  const col = profileColumn(profile, target, 'target');
  const { task, reason } = suggestTask(col);
  const { features, excluded } = defaultFeatures(profile, target);
  const s: TaskSuggestion = { target, task, reason, features, excluded, template: 'tabular-mlp' };
  if (task === 'classification' && col.top) s.classes = col.top.map((t) => ({ value: t.value, count: t.count }));
  return s;
}
