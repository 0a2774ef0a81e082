import { describe, expect, it } from 'vitest';
import { filterCommands, matchScore, type Command } from '../../src/renderer/commands';
import {
  formatBytes,
  formatCell,
  formatDelta,
  formatDuration,
  formatEta,
  formatHeadline,
  formatInt,
  formatMetric,
  formatMoney,
  formatNumber,
  formatPercent,
  formatShare,
  isIdLike,
  shortId,
} from '../../src/renderer/format';
import { deltaSense, isRateMetric, metricDirection, metricRange, orderMetrics } from '../../src/renderer/metrics';
import { niceDomain } from '../../src/renderer/components/charts/axes';
import { importPathForUpload, newBatchId } from '../../src/renderer/transport/httpTransport';
import { psiLevel } from '../../src/renderer/screens/datasets/DiffView';
import { nameFromFile, withOriginalName } from '../../src/renderer/screens/datasets/AddDatasetDialog';
import { columnWidths } from '../../src/renderer/screens/datasets/RowsTable';
import { LatheError } from '../../src/shared/errors';
import { datasetNameSchema } from '../../src/shared/datasets';

describe('formatting', () => {
  it('formats numbers for tables', () => {
    expect(formatInt(1234567)).toBe('1,234,567');
    expect(formatInt(undefined)).toBe('—');
    expect(formatNumber(43.9219298245614)).toBe('43.92');
    expect(formatNumber(4201.754385964912)).toBe('4,201.754');
    expect(formatNumber(3750)).toBe('3,750');
    expect(formatNumber(0.00001234)).toBe('1.234e-5');
    expect(formatNumber('Adelie')).toBe('Adelie');
  });
  it('shows years and ids as labels, not amounts', () => {
    expect(formatNumber(2007)).toBe('2,007');
    expect(formatNumber(2007, { plain: true })).toBe('2007');
    expect(formatNumber(2007.5, { plain: true })).toBe('2,007.5');
    for (const n of ['year', 'birth_year', 'id', 'user_id', 'customerId', 'zip', 'row_index']) expect(isIdLike(n), n).toBe(true);
    for (const n of ['body_mass_g', 'price', 'idle_time', 'years_active']) expect(isIdLike(n), n).toBe(false);
  });
  it('formats metrics: 5 digits in tables, 3 in headlines, rates as percentages, signed deltas', () => {
    expect(formatMetric(0.123456)).toBe('0.12346');
    expect(formatMetric('NaN')).toBe('NaN');
    expect(formatMetric('-Infinity')).toBe('−∞');
    expect(formatHeadline(0.982345, 'accuracy')).toBe('98.2%');
    expect(formatHeadline(0.982345, 'auc')).toBe('0.982');
    expect(formatHeadline(0.0123456, 'log_loss')).toBe('0.0123');
    expect(formatHeadline(10270.123, 'value_per_1000')).toBe('10,270');
    expect(formatHeadline(3, 'mae')).toBe('3');
    expect(formatHeadline(null)).toBe('—');
    expect(formatDelta(0.0123456, 'log_loss')).toBe('+0.0123');
    expect(formatDelta(-0.0123456, 'accuracy')).toBe('−1.23 pp');
    expect(formatDelta(0)).toBe('0');
    expect(formatDelta(null)).toBe('—');
  });
  it('formats money grouped with 0-2 decimals, never as an exponent', () => {
    expect(formatMoney(10270.4)).toBe('10,270');
    expect(formatMoney(-1234567.8)).toBe('−1,234,568');
    expect(formatMoney(12.345)).toBe('12.35');
    expect(formatMoney(12)).toBe('12');
    expect(formatMoney(undefined)).toBe('—');
  });
  it('formats durations and shares one way', () => {
    expect(formatDuration(812)).toBe('812ms');
    expect(formatDuration(4_240)).toBe('4.2s');
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(61_000)).toBe('1m 01s');
    expect(formatDuration(2 * 3600_000 + 5 * 60_000)).toBe('2h 05m');
    expect(formatDuration(76 * 3600_000)).toBe('3d 4h');
    expect(formatEta(12_400)).toBe('12s');
    expect(formatEta(5_400)).toBe('5s');
    expect(formatEta(185_000)).toBe('3m 05s');
    expect(formatShare(0.125)).toBe('12.5%');
    expect(formatShare(0.0042)).toBe('0.42%');
    expect(formatShare(0.00001)).toBe('<0.01%');
  });
  it('knows which way a metric is better, its range, and which matter first', () => {
    expect(metricDirection('val_loss')).toBe('min');
    expect(metricDirection('test_acc')).toBe('max');
    expect(metricDirection('baseline.logreg.test_rmse')).toBe('min');
    expect(metricDirection('f1_macro')).toBe('max');
    expect(metricDirection('error_rate')).toBe('min');
    expect(metricDirection('value_per_1000')).toBe('max');
    expect(metricDirection('lr')).toBeNull();
    expect(metricDirection('samples_per_sec')).toBeNull();
    expect(isRateMetric('val_accuracy')).toBe(true);
    expect(isRateMetric('auc')).toBe(false);
    expect(metricRange('val_acc')).toEqual([0, 1]);
    expect(metricRange('lr')).toEqual([0, Infinity]);
    expect(metricRange('loss')).toEqual([0, Infinity]);
    expect(metricRange('r2')).toEqual([-Infinity, 1]);
    expect(metricRange('temperature')).toEqual([-Infinity, Infinity]);
    expect(deltaSense('val_loss', -0.1)).toBe('better');
    expect(deltaSense('accuracy', -0.1)).toBe('worse');
    expect(deltaSense('accuracy', 0)).toBe('same');
    expect(deltaSense('lr', 0.1)).toBeNull();
    expect(orderMetrics(['loss', 'lr', 'acc', 'baseline.majority.test_acc', 'val_loss', 'batch.loss', 'test_acc', 'val_acc', 'samples_per_sec'])).toEqual([
      'test_acc',
      'val_acc',
      'val_loss',
      'acc',
      'loss',
      'lr',
      'samples_per_sec',
      'batch.loss',
      'baseline.majority.test_acc',
    ]);
  });
  it('fits an axis to its data within the metric’s range', () => {
    // Accuracy near 1 never reaches past 1; a learning rate decaying to 0 never goes negative.
    const acc = niceDomain(0.62, 0.995, 'val_acc');
    expect(acc.domain[1]).toBe(1);
    expect(acc.domain[0]).toBeGreaterThanOrEqual(0.5);
    expect(acc.ticks.every((t) => t >= acc.domain[0] && t <= 1)).toBe(true);
    const lr = niceDomain(0, 0.001, 'lr');
    expect(lr.domain[0]).toBe(0);
    expect(lr.domain[1]).toBeGreaterThanOrEqual(0.001);
    expect(lr.domain[1]).toBeLessThanOrEqual(0.00125);
    // An unbounded metric gets padding on both sides; a flat series still gets a visible band.
    const t = niceDomain(-3, 7, 'temperature');
    expect(t.domain[0]).toBeLessThan(-3);
    expect(t.domain[1]).toBeGreaterThan(7);
    const flat = niceDomain(0.5, 0.5, 'val_acc');
    expect(flat.domain[0]).toBeLessThan(0.5);
    expect(flat.domain[1]).toBeGreaterThan(0.5);
    expect(flat.domain[1]).toBeLessThanOrEqual(1);
    // A constant learning rate is drawn from 0, not as noise around its value.
    const flatLr = niceDomain(0.01, 0.01, 'lr').domain;
    expect(flatLr[0]).toBe(0);
    expect(flatLr[1]).toBeGreaterThan(0.01);
    expect(flatLr[1]).toBeLessThanOrEqual(0.0125);
    // Any metric whose values are all non-negative keeps a non-negative axis.
    expect(niceDomain(0.01, 9, 'something').domain[0]).toBe(0);
  });
  it('formats bytes, percentages and ids', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(13487)).toBe('13 KB');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(21_779_615)).toBe('21 MB');
    expect(formatPercent(2, 344)).toBe('0.6%');
    expect(formatPercent(0, 0)).toBe('0%');
    expect(formatPercent(1, 100000)).toBe('<0.1%');
    expect(shortId('a07e8ebb7776fa4d748d')).toBe('a07e8ebb7776');
  });
  it('turns cells into text, never markup', () => {
    expect(formatCell(null)).toEqual({ text: 'null', kind: 'null' });
    expect(formatCell(0.1 + 0.2)).toEqual({ text: '0.3', kind: 'number' });
    expect(formatCell(true)).toEqual({ text: 'true', kind: 'bool' });
    expect(formatCell('<img src=x onerror=alert(1)>')).toEqual({ text: '<img src=x onerror=alert(1)>', kind: 'text' });
  });
});

describe('command palette matching', () => {
  const cmds: Command[] = ['Datasets', 'Experiments', 'Open penguins', 'Toggle light/dark theme'].map((title) => ({ id: title, title, group: 'Go to', run: () => {} }));
  it('matches substrings first, then subsequences', () => {
    expect(matchScore('exp', 'Experiments')).toBeGreaterThan(matchScore('exp', 'Open penguins'));
    expect(matchScore('zzz', 'Datasets')).toBe(-1);
    expect(filterCommands(cmds, 'peng')[0].title).toBe('Open penguins');
    expect(filterCommands(cmds, 'theme')[0].title).toBe('Toggle light/dark theme');
    expect(filterCommands(cmds, '')).toHaveLength(4);
  });
});

describe('uploads', () => {
  it('imports the single file, or the top folder of a folder upload', () => {
    const file = new Blob(['x']) as File;
    expect(importPathForUpload([{ file, relativePath: 'a.csv' }], [{ file: '/w/tmp/uploads/b1/a.csv', folder: '/w/tmp/uploads/b1' }])).toBe('/w/tmp/uploads/b1/a.csv');
    expect(
      importPathForUpload(
        [
          { file, relativePath: 'birds/robin/1.png' },
          { file, relativePath: 'birds/wren/2.png' },
        ],
        [{ file: '/w/tmp/uploads/b1/birds/robin/1.png', folder: '/w/tmp/uploads/b1' }],
      ),
    ).toBe('/w/tmp/uploads/b1/birds');
    expect(importPathForUpload([{ file, relativePath: 'birds/a/1.png' }], [{ file: 'C:\\w\\b1\\birds\\a\\1.png', folder: 'C:\\w\\b1' }])).toBe('C:\\w\\b1\\birds');
  });
  it('makes batch ids the server accepts', () => {
    const id = newBatchId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{6,64}$/);
    expect(newBatchId()).not.toBe(id);
  });
  it('suggests a valid dataset name from a file name', () => {
    for (const n of ['penguins.csv', 'Penguins 2024 (final).parquet', '__weird__.jsonl', 'birds']) {
      expect(datasetNameSchema.safeParse(nameFromFile(n)).success).toBe(true);
    }
    expect(nameFromFile('Penguins 2024.csv')).toBe('Penguins_2024');
  });
  it("names the user's file, not its temporary upload copy, in errors", () => {
    const e = new LatheError('BAD_FILE', '/w/tmp/uploads/b1/empty.csv is empty', { where: '/w/tmp/uploads/b1/empty.csv', hint: 'Add rows.' });
    const r = withOriginalName(e, '/w/tmp/uploads/b1/empty.csv', 'empty.csv');
    expect(r.message).toBe('empty.csv is empty');
    expect(r.where).toBe('empty.csv');
    expect(r.code).toBe('BAD_FILE');
  });
});

describe('views', () => {
  it('grades PSI by the usual thresholds', () => {
    expect(psiLevel(undefined)).toBe('none');
    expect(psiLevel(0.01)).toBe('stable');
    expect(psiLevel(0.2)).toBe('moderate');
    expect(psiLevel(0.9)).toBe('large');
  });
  it('sizes columns from header and values, within bounds', () => {
    const w = columnWidths(['id', 'a very long column name indeed, longer than any sane one'], [[1, 'x']]);
    expect(w[0]).toBe(96);
    expect(w[1]).toBe(320);
  });
});
