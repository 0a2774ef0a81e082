/**
 * Experiments screens, end to end: runs arrive through the MLflow REST door (a stdlib Python client)
 * and `lathe run` (a second process on the same workspace), then the list, the runs table (filter,
 * inline syntax errors, HTML names as text), run detail (chart, artifacts, logs), compare, trash.
 * Runs after the dataset specs and before the closing console check (see run.mjs).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';

const HOSTILE = '<img src=x onerror=alert(1)>';

function python(args, input) {
  return new Promise((resolve, reject) => {
    const child = execFile('python3', args, { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    child.stdin.end(input);
  });
}

function curve(n, start, end, noise, seed) {
  let x = seed;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, (_, i) => Number((end + (start - end) * Math.exp((-4 * i) / n) + (rnd() - 0.5) * noise).toFixed(5)));
}

/** The run row whose name cell reads exactly `name`. */
const rowNamed = (page, name) => page.locator('[data-testid=run-row]').filter({ has: page.locator('[data-testid=run-name]', { hasText: name }) });

async function openExperiment(page, name) {
  await page.getByTestId('nav-experiments').click();
  // Walk back up to the list from wherever the screen was left (run detail, compare, a runs table).
  for (const back of ['back-to-runs', 'back-from-compare', 'back-to-experiments']) {
    if (await page.getByTestId(back).count()) await page.getByTestId(back).click();
  }
  const row = page.locator(`[data-testid=experiment-row][data-name="${name}"]`);
  await row.waitFor({ timeout: 15_000 });
  await row.click();
  await page.getByTestId('runs-view').waitFor();
}

export const experimentsSpecs = [
  {
    name: 'experiments: the empty state says how runs get in (with this server port)',
    setup: true,
    async run({ page, server, shotBoth }) {
      await page.getByTestId('nav-experiments').click();
      const empty = page.getByTestId('experiments-empty');
      await empty.waitFor();
      const text = await empty.innerText();
      assert.match(text, /npm run lathe -- run --experiment demo -- python train\.py/);
      assert.match(text, /lathe\.metric loss=0\.42 step=3/);
      assert.match(await page.getByTestId('mlflow-env').innerText(), new RegExp(`MLFLOW_TRACKING_URI=http://127\\.0\\.0\\.1:${server.port}\\b`));
      assert.match(text, /MLFLOW_TRACKING_TOKEN=<token>/);
      assert.match(text, /lathe serve/);
      await shotBoth('experiments-empty');
    },
  },
  {
    name: 'experiments: an MLflow REST client (stdlib Python) logs runs and the UI lists them',
    setup: true,
    async run(ctx) {
      const { page, server, root } = ctx;
      const loss = curve(300, 1.2, 0.15, 0.08, 7);
      const spec = {
        experiment: 'mlflow-e2e',
        runs: [
          {
            name: 'adam-lr0.01',
            params: { optimizer: 'adam', lr: '0.01', epochs: '10', batch: '64' },
            tags: { team: 'ml' },
            metrics: { loss, acc: loss.map((l) => Number((1 - l / 1.5).toFixed(4))) },
            artifacts: {
              'reports/summary.json': JSON.stringify({ accuracy: 0.91, classes: ['a', 'b'] }),
              'preds.csv': 'id,label,score\n1,a,0.9\n2,b,0.3\n',
              'notes.txt': 'plain text artifact\n',
            },
          },
          {
            name: 'sgd-lr0.1',
            params: { optimizer: 'sgd', lr: '0.1', epochs: '10', batch: '64' },
            tags: { team: 'vision' },
            metrics: { loss: curve(300, 1.4, 0.35, 0.1, 11), acc: curve(300, 0.2, 0.75, 0.05, 3) },
          },
          { name: HOSTILE, params: { optimizer: 'adam', lr: '0.001', epochs: '5', batch: '32' }, metrics: { loss: curve(40, 1, 0.5, 0.05, 5) } },
        ],
      };
      const out = JSON.parse(await python([path.join(root, 'test', 'e2e', 'mlflow_log.py'), `http://127.0.0.1:${server.port}`, server.token], JSON.stringify(spec)));
      assert.equal(out.run_ids.length, 3);
      ctx.mlflowRuns = out.run_ids;
      // The list refreshes itself on the engine's events.
      const row = page.locator('[data-testid=experiment-row][data-name="mlflow-e2e"]');
      await row.waitFor({ timeout: 15_000 });
      assert.match(await row.innerText(), /mlflow-e2e\s+3/);
      await ctx.shotBoth('experiments-list');
      await row.click();
      await page.getByTestId('runs-view').waitFor();
      await rowNamed(page, 'sgd-lr0.1').waitFor();
      assert.equal(await page.getByTestId('run-row').count(), 3);
      assert.match(await page.getByTestId('runs-total').innerText(), /^3 runs$/);
      await ctx.shotBoth('runs-table');
    },
  },
  {
    name: 'experiments: a run named with HTML shows as text',
    async run({ page, alerts }) {
      const cell = page.locator('[data-testid=run-name]', { hasText: 'onerror' });
      assert.equal(await cell.innerText(), HOSTILE);
      assert.equal(await page.locator('img[src=x]').count(), 0);
      assert.deepEqual(alerts, []);
    },
  },
  {
    name: 'experiments: the query filter narrows the table; a syntax error shows inline',
    async run({ page, shot, shotBoth }) {
      const q = page.getByTestId('runs-query');
      await q.fill('params.optimizer = "adam" and metrics.loss < 0.4');
      await page.waitForFunction(() => document.querySelector('[data-testid=runs-total]')?.textContent === '1 run');
      assert.equal(await page.getByTestId('run-row').count(), 1);
      assert.match(await page.getByTestId('run-row').innerText(), /adam-lr0\.01/);
      // Autocomplete: keys from runs.keys.
      await q.fill('params.opt');
      const sugg = page.getByTestId('query-suggestions');
      await sugg.waitFor();
      assert.match(await sugg.innerText(), /params\.optimizer/);
      await page.keyboard.press('Tab');
      assert.equal(await q.inputValue(), 'params.optimizer ');
      await q.press('End');
      await q.pressSequentially('= ');
      await sugg.waitFor();
      assert.match(await sugg.innerText(), /adam/);
      await shot('runs-autocomplete-dark');
      // A syntax error: column and what was expected, in place; the table keeps its last good result.
      await q.fill('metrics.loss > and status = "failed"');
      const err = page.getByTestId('query-error');
      await err.waitFor();
      const text = await err.innerText();
      assert.match(text, /Column 16/);
      assert.match(text, /expected a value/);
      await q.press('Escape');
      await shotBoth('runs-query-error');
      await q.fill('');
      await page.waitForFunction(() => document.querySelector('[data-testid=runs-total]')?.textContent === '3 runs');
      await page.getByTestId('query-error').waitFor({ state: 'detached' });
    },
  },
  {
    name: 'experiments: sort by a metric header, group by a param with aggregates',
    async run({ page, shot }) {
      await page.getByTestId('col-metric:loss:last').click();
      await page.waitForFunction(() => document.querySelector('[data-testid="col-metric:loss:last"]')?.getAttribute('aria-sort') === 'descending');
      // Highest last loss first: the short HTML-named run (0.5), then sgd, then adam.
      await page.waitForFunction(() => document.querySelector('[data-testid=run-row] [data-testid=run-name]')?.textContent?.includes('onerror'));
      await page.getByTestId('col-metric:loss:last').click();
      await page.waitForFunction(() => document.querySelector('[data-testid=run-row] [data-testid=run-name]')?.textContent === 'adam-lr0.01');
      await page.getByTestId('group-by').selectOption('optimizer');
      await page.getByTestId('group-metric').selectOption('metric:loss:last');
      await page.locator('[data-testid=group-row]', { hasText: 'sgd' }).waitFor();
      assert.equal(await page.getByTestId('group-row').count(), 2);
      assert.match(await page.locator('[data-testid=group-row]', { hasText: 'adam' }).innerText(), /adam\s+2/);
      await shot('runs-grouped-dark');
      await page.getByTestId('group-by').selectOption('');
    },
  },
  {
    name: 'experiments: run detail shows params, a metric chart (smoothing, zoom) and artifact previews',
    async run({ page, shotBoth }) {
      await rowNamed(page, 'adam-lr0.01').click();
      await page.getByTestId('run-detail').waitFor();
      assert.equal(await page.getByTestId('run-title').innerText(), 'adam-lr0.01');
      assert.match(await page.getByTestId('run-params').innerText(), /optimizer\s+adam/);
      assert.match(await page.getByTestId('run-tags').innerText(), /team\s+ml/);
      await shotBoth('run-overview');
      await page.getByTestId('run-tab-metrics').click();
      const card = page.locator('[data-testid=chart-card][data-metric=loss]');
      await card.locator('.recharts-line-curve').first().waitFor();
      await page.getByTestId('smoothing').fill('0.8');
      await page.waitForFunction(() => document.querySelectorAll('[data-metric=loss] .recharts-line-curve').length === 2);
      // Drag across the chart: zoom re-fetches that step range.
      const zoomed = page.waitForRequest((r) => r.url().endsWith('/api/call/runs.metricHistory') && (r.postData() ?? '').includes('stepFrom'));
      const box = await card.getByTestId('metric-chart').boundingBox();
      await page.mouse.move(box.x + box.width * 0.35, box.y + 80);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.55, box.y + 90, { steps: 4 });
      await page.mouse.up();
      await zoomed;
      await card.getByTestId('reset-zoom').waitFor();
      await shotBoth('run-metrics');
      await card.getByTestId('reset-zoom').click();
      await page.getByTestId('run-tab-artifacts').click();
      await page.locator('[data-testid=artifact-item]', { hasText: 'summary.json' }).click();
      assert.match(await page.getByTestId('json-preview').innerText(), /"accuracy": 0\.91/);
      await page.locator('[data-testid=artifact-item]', { hasText: 'preds.csv' }).click();
      await page.getByTestId('csv-preview').waitFor();
      assert.equal(await page.locator('[data-testid=csv-preview] tbody tr').count(), 2);
      await shotBoth('run-artifacts');
    },
  },
  {
    name: 'experiments: `lathe run` in a second process tracks a command and it shows up',
    async run({ page, root, home, shot }) {
      const code = "for (let i = 1; i <= 5; i++) console.log('lathe.metric loss=' + (1 / i) + ' step=' + i); console.log('done <b>bold</b>');";
      const exit = await new Promise((resolve, reject) => {
        const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['src/main/cli/main.ts', 'run', '--experiment', 'e2e', '--name', 'node-script', '--', 'node', '-e', code], {
          cwd: root,
          env: { ...process.env, LATHE_HOME: home },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        const t = setTimeout(() => reject(new Error('lathe run took over 45 s')), 45_000);
        child.on('exit', (c) => {
          clearTimeout(t);
          c === 0 ? resolve(c) : reject(new Error(`lathe run exited ${c}: ${err}`));
        });
      });
      assert.equal(exit, 0);
      await openExperiment(page, 'e2e');
      await rowNamed(page, 'node-script').click();
      await page.getByTestId('run-detail').waitFor();
      assert.match(await page.getByTestId('status-chip').first().innerText(), /finished/);
      await page.getByTestId('run-tab-overview').click();
      assert.match(await page.getByTestId('run-environment').innerText(), /node -e/);
      await page.getByTestId('run-tab-metrics').click();
      await page.locator('[data-testid=chart-card][data-metric=loss] .recharts-line-curve').first().waitFor();
      assert.match(await page.locator('[data-testid=chart-card][data-metric=loss]').innerText(), /5 points/);
      await page.getByTestId('run-tab-logs').click();
      const log = page.locator('[data-testid=log-view][data-name="stdout.txt"]');
      // The view appears before its first read answers; wait for the text rather than reading it once.
      await log.locator('pre', { hasText: 'done <b>bold</b>' }).waitFor({ timeout: 10_000 });
      assert.match(await log.innerText(), /done <b>bold<\/b>/);
      await shot('run-logs-dark');
    },
  },
  {
    name: 'experiments: compare two runs: overlaid charts, params diff, parallel coordinates, scatter',
    async run({ page, shotBoth }) {
      await openExperiment(page, 'mlflow-e2e');
      await rowNamed(page, 'adam-lr0.01').getByTestId('run-check').click();
      await rowNamed(page, 'sgd-lr0.1').getByTestId('run-check').click();
      await page.getByTestId('compare-selected').click();
      await page.getByTestId('compare-view').waitFor();
      const loss = page.locator('[data-testid=chart-card][data-metric=loss]');
      await page.waitForFunction(() => document.querySelectorAll('[data-metric=loss] .recharts-line-curve').length === 2);
      assert.equal(await page.locator('[data-testid=chart-legend] .legend-item').count(), 2);
      assert.ok(await loss.isVisible());
      const diff = page.getByTestId('params-diff');
      assert.equal(await diff.getByTestId('param-differs').count(), 2, 'lr and optimizer differ');
      assert.equal(await diff.getByTestId('param-equal').count(), 2, 'batch and epochs are equal');
      await page.getByTestId('parallel-coordinates').locator('polyline').nth(1).waitFor();
      await page.getByTestId('scatter-card').locator('circle').nth(1).waitFor();
      await shotBoth('compare');
      await page.getByTestId('hide-equal').check();
      assert.equal(await diff.getByTestId('param-equal').count(), 0);
      await page.getByTestId('back-from-compare').click();
    },
  },
  {
    name: 'experiments: columns, shift-click range, saved views and CSV export of the filtered table',
    async run({ page, tmp }) {
      await page.getByTestId('choose-columns').click();
      await page.getByTestId('columns-dialog').waitFor();
      await page.getByTestId('colpick-tag:team').check();
      await page.getByTestId('colpick-metric:loss:min').check();
      await page.getByTestId('columns-done').click();
      await page.getByTestId('col-tag:team').waitFor();
      await page.getByTestId('col-metric:loss:min').waitFor();
      // Shift-click selects the range.
      await page.locator('[data-testid=selection-bar] button', { hasText: 'Clear' }).click().catch(() => {});
      await page.getByTestId('run-check').nth(0).click();
      await page.getByTestId('run-check').nth(2).click({ modifiers: ['Shift'] });
      assert.match(await page.getByTestId('selection-bar').innerText(), /3 selected/);
      await page.locator('[data-testid=selection-bar] button', { hasText: 'Clear' }).click();
      await page.getByTestId('runs-query').fill('tags.team = "ml"');
      await page.waitForFunction(() => document.querySelector('[data-testid=runs-total]')?.textContent === '1 run');
      await page.getByTestId('save-view').click();
      await page.getByTestId('view-name').fill('ml team');
      await page.getByTestId('view-save-submit').click();
      const download = page.waitForEvent('download');
      await page.getByTestId('export-csv').click();
      const file = path.join(tmp, 'runs.csv');
      await (await download).saveAs(file);
      const csv = (await import('node:fs')).readFileSync(file, 'utf8').trim().split('\n');
      assert.equal(csv.length, 2, csv.join('\n'));
      assert.match(csv[0], /tags\.team/);
      assert.match(csv[1], /adam-lr0\.01/);
      // The saved view comes back after clearing the filter.
      await page.getByTestId('runs-query').fill('');
      await page.waitForFunction(() => document.querySelector('[data-testid=runs-total]')?.textContent === '3 runs');
      await page.getByTestId('views-select').selectOption('ml team');
      await page.waitForFunction(() => document.querySelector('[data-testid=runs-total]')?.textContent === '1 run');
      assert.equal(await page.getByTestId('runs-query').inputValue(), 'tags.team = "ml"');
      await page.getByTestId('runs-query').fill('');
      await page.waitForFunction(() => document.querySelector('[data-testid=runs-total]')?.textContent === '3 runs');
    },
  },
  {
    name: 'experiments: delete to trash with undo; restore from the trash view',
    async run({ page, shot }) {
      await page.getByTestId('runs-view').waitFor();
      await page.getByTestId('select-loaded').click();
      await page.getByTestId('select-loaded').click();
      // Selection was kept from compare (2 runs) + all loaded: 3. Start clean with one.
      await page.locator('[data-testid=selection-bar] button', { hasText: 'Clear' }).click();
      await rowNamed(page, 'onerror').getByTestId('run-check').click();
      await page.getByTestId('delete-selected').click();
      await page.getByTestId('undo-toast').waitFor();
      await page.waitForFunction(() => document.querySelector('[data-testid=runs-total]')?.textContent === '2 runs');
      await shot('runs-undo-dark');
      await page.getByTestId('undo-delete').click();
      await page.waitForFunction(() => document.querySelector('[data-testid=runs-total]')?.textContent === '3 runs');
      await rowNamed(page, 'onerror').getByTestId('run-check').click();
      await page.getByTestId('delete-selected').click();
      await page.waitForFunction(() => document.querySelector('[data-testid=runs-total]')?.textContent === '2 runs');
      await page.getByTestId('back-to-experiments').click();
      await page.getByTestId('open-trash').click();
      await page.getByTestId('trash-view').waitFor();
      await rowNamed(page, 'onerror').waitFor();
      await shot('trash-dark');
      await rowNamed(page, 'onerror').getByTestId('run-check').click();
      await page.getByTestId('restore-selected').click();
      await page.getByTestId('runs-empty').waitFor();
      await openExperiment(page, 'mlflow-e2e');
      await page.waitForFunction(() => document.querySelector('[data-testid=runs-total]')?.textContent === '3 runs');
    },
  },
];
