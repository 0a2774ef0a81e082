/**
 * Issue 11, the Monitor screen end to end: two days of hourly production traffic for the model the
 * registry specs registered (`penguins-clf`), predicted by the real model (`models.predict`), ingested
 * through the HTTP door as a serving process would, with a known shift in one feature from hour 30 on
 * and labels for the first day. The list shows the model, its monitor draws the series, the shifted
 * feature is flagged (and a stable one is not), its histograms overlay, and alerts list their rules.
 * Screenshots at 1440 and 1024, both themes. Run after registrySpecs (it needs the registered model).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { api, sizes } from './helpers.mjs';

const MODEL = 'penguins-clf';
const SHIFTED = 'Body Mass (g)';
const STABLE = 'Beak Depth (mm)';
const HOURS = 48;
const SHIFT_FROM = 30;

/** The sample's rows as objects (the header names are the model's feature names). */
function penguins(root) {
  const [head, ...lines] = fs.readFileSync(path.join(root, 'resources', 'sample', 'penguins.csv'), 'utf8').trim().split('\n');
  const cols = head.split(',');
  return lines
    .map((l) => l.split(','))
    .filter((cells) => cells.every((c) => c !== '' && c !== 'NA'))
    .map((cells) => Object.fromEntries(cols.map((c, i) => [c, Number.isFinite(Number(cells[i])) && cells[i] !== '' ? Number(cells[i]) : cells[i]])));
}

export const monitorSpecs = [
  {
    name: 'monitor: two days of logged predictions ingested over HTTP (a shift from hour 30), labels joined',
    setup: true,
    async run(ctx) {
      const { server, root } = ctx;
      const rows = penguins(root);
      const version = (await api(server, 'models.show', { ref: MODEL })).number;
      const start = Date.UTC(2026, 10, 20, 0, 0, 0);
      const records = [];
      const labels = [];
      let seq = 0;
      for (let h = 0; h < HOURS; h++) {
        // 60 requests an hour: a deterministic walk over the sample; the shifted feature gains 900 g later on.
        const batch = Array.from({ length: 60 }, (_, i) => ({ ...rows[(h * 61 + i * 7) % rows.length] }));
        for (const r of batch) if (h >= SHIFT_FROM) r[SHIFTED] += 900;
        const features = batch.map(({ Species: _species, ...f }) => f);
        const out = await api(server, 'models.predict', { ref: `${MODEL}@${version}`, rows: features });
        batch.forEach((r, i) => {
          const requestId = `req-${seq++}`;
          const probabilities = Object.fromEntries(out.labels.map((l, k) => [l, out.probabilities[i][k]]));
          records.push({
            requestId,
            time: new Date(start + h * 3_600_000 + i * 50_000).toISOString(),
            model: MODEL,
            version,
            alias: null,
            features: features[i],
            output: { prediction: out.predictions[i], probabilities },
            latencyMs: 1.2,
          });
          if (h < 24) labels.push({ requestId, label: r.Species });
        });
      }
      const ingested = await api(server, 'monitor.ingest', { ref: MODEL, records });
      assert.equal(ingested.accepted, HOURS * 60);
      assert.equal(ingested.malformed, 0);
      const joined = await api(server, 'monitor.labels', { ref: MODEL, labels });
      assert.equal(joined.matched, labels.length);
      assert.equal(joined.unmatched, 0);
      ctx.note = `${ingested.accepted} records at ${Math.round(ingested.rowsPerSecond)} rows/s, ${joined.matched} labels`;
    },
  },
  {
    name: 'monitor: the list shows the model; its monitor draws traffic, performance, drift share and value',
    async run(ctx) {
      const { page } = ctx;
      await page.getByTestId('nav-monitor').click();
      await page.getByTestId('monitor-screen').waitFor();
      const row = page.getByTestId('monitor-row').filter({ hasText: MODEL });
      await row.waitFor();
      assert.match(await row.innerText(), /2,880/);
      await sizes(ctx, 'monitor-list');
      await row.click();
      await page.getByTestId('monitor-model').waitFor();
      await page.getByTestId('range-all').click();
      for (const id of ['chart-traffic', 'chart-performance', 'chart-drift']) await page.getByTestId(id).locator('svg').first().waitFor();
      // This model's evaluations have no cost matrix: the value chart says how to get one instead of an empty plot.
      assert.match(await page.getByTestId('chart-value').innerText(), /No value matrix yet/);
      assert.match(await page.getByTestId('monitor-summary').innerText(), /2,880/);
      await sizes(ctx, 'monitor-overview');
    },
  },
  {
    name: 'monitor: the shifted feature drifts, a stable one does not; its histograms overlay',
    async run(ctx) {
      const { page } = ctx;
      await page.getByTestId('range-24h').click();
      await page.getByTestId('mon-tab-features').click();
      await page.getByTestId('drift-table').waitFor();
      const shifted = page.locator(`[data-testid=drift-row][data-feature="${SHIFTED}"]`);
      await shifted.waitFor();
      assert.equal(await shifted.getAttribute('data-drift'), 'true');
      assert.equal(await page.locator(`[data-testid=drift-row][data-feature="${STABLE}"]`).getAttribute('data-drift'), 'false');
      // Every number names its method and threshold.
      assert.match(await shifted.innerText(), /(KS|Wasserstein|χ²|Jensen)/);
      await shifted.click();
      await page.getByTestId('feature-detail').locator('svg').first().waitFor();
      await sizes(ctx, 'monitor-features');
      await page.getByTestId('mon-tab-alerts').click();
      await page.getByTestId('alerts-panel').waitFor();
      assert.ok((await page.getByTestId('alert-rule').count()) > 0, 'default rules are created per monitored model');
      await sizes(ctx, 'monitor-alerts');
      // The next training's data: the day's labelled rows become a dataset version.
      await page.getByTestId('range-all').click();
      // Where the rows are kept: sealed Parquet parts once the app has sealed closed windows, NDJSON before.
      const where = await page.getByTestId('raw-rows').textContent();
      assert.match(where ?? '', /^Raw rows: [\d,]+ (sealed in [\d,]+ Parquet parts? \(|landing as NDJSON)/);
      await page.getByTestId('make-dataset').click();
      await sizes(ctx, 'monitor-make-dataset');
      await page.getByTestId('make-dataset-name').fill('penguins-field-log');
      await page.getByTestId('make-dataset-go').click();
      await page.getByText(/Made penguins-field-log@v1: 1,440 logged rows/).waitFor();
      const made = await api(ctx.server, 'datasets.show', { ref: 'penguins-field-log' });
      assert.equal(made.version.rowCount, 1440);
      // The navigation's list is one click away from the deepest view.
      await page.getByTestId('nav-monitor').click();
      await page.getByTestId('monitor-list').waitFor();
    },
  },
];
