/**
 * Training, evaluation and sweeps, end to end against the real engine (worker threads, TF.js): the
 * compute badge, the generated form (inline zod errors, an engine refusal), a training of penguins
 * watched live to the end, a second one cancelled, an evaluation with a cost matrix, a tiny sweep on
 * a binary table, a business-value evaluation with the threshold curve, and a comparison. Trainings
 * are kept tiny (a few epochs, one small layer) so the whole e2e run stays short on two cores.
 * Runs after the dataset specs (penguins@v1 and @v2 exist) and before the closing console check.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

async function api(ctx, name, input) {
  const res = await fetch(`${ctx.origin}/api/call/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ctx.server.token}`, Origin: ctx.origin },
    body: JSON.stringify(input ?? {}),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${name}: ${body.error?.message ?? res.status}`);
  return body.value;
}

/** A binary "churn" table from penguins: churned when the flipper is long, with deterministic noise. */
function churnCsv(root, dir) {
  const lines = fs.readFileSync(path.join(root, 'resources', 'sample', 'penguins.csv'), 'utf8').trim().split('\n');
  let x = 7;
  const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const out = [lines[0] + ',churned'];
  for (const l of lines.slice(1)) {
    const flipper = Number(l.split(',')[4]);
    const r = rnd();
    const churned = Number.isFinite(flipper) && flipper > 205 ? r < 0.8 : r < 0.2;
    out.push(`${l},${churned ? 'yes' : 'no'}`);
  }
  const file = path.join(dir, 'churn.csv');
  fs.writeFileSync(file, out.join('\n') + '\n');
  return file;
}

async function setHp(page, name, value) {
  const input = page.getByTestId(`hp-input-${name}`);
  await input.fill(String(value));
}

async function openTraining(page) {
  await page.getByTestId('nav-training').click();
  for (const back of ['back-to-run', 'back-from-compare', 'back-to-training']) {
    if (await page.getByTestId(back).count()) await page.getByTestId(back).click();
  }
  await page.getByTestId('training-home').waitFor();
}

const statusOf = (page) => page.getByTestId('live-run').locator('.screen-head [data-testid=status-chip]');

export const trainingSpecs = [
  {
    name: 'training: the compute badge names the backend and says why faster ones did not load',
    async run({ page, shot }) {
      const badge = page.getByTestId('compute-badge');
      await badge.waitFor();
      assert.match(await badge.innerText(), /CPU|GPU|wasm/i);
      await badge.click();
      const pop = page.getByTestId('compute-popover');
      await pop.waitFor();
      assert.equal(await page.getByTestId('compute-probe').count(), 4);
      const text = await pop.innerText();
      assert.match(text, /tfjs-node/);
      assert.match(text, /npm i @tensorflow\/tfjs-node/, 'says what to install');
      await shot('compute-popover-dark');
      await page.getByTestId('compute-pin').selectOption('cpu');
      // Pinned: the plain JS backend becomes the active one; back to automatic afterwards.
      await pop.locator('.popover-head strong', { hasText: /^cpu$/ }).waitFor();
      await pop.locator('.popover-head .badge', { hasText: 'pinned' }).waitFor();
      await page.getByTestId('compute-pin').selectOption('');
      await pop.locator('.popover-head strong', { hasText: /^wasm$/ }).waitFor();
      await page.keyboard.press('Escape');
      await pop.waitFor({ state: 'detached' });
    },
  },
  {
    name: 'training: the home lists trainings and the queue; the form comes from the template; bad input is refused',
    setup: true,
    async run({ page, shotBoth, shot }) {
      await openTraining(page);
      // Other specs may have trained through the API already: the list or its empty state, and an idle queue.
      await page.locator('[data-testid=training-row], [data-testid=trainings-empty]').first().waitFor();
      await page.locator('[data-testid=queue-empty], [data-testid=job-row]').first().waitFor();
      await shotBoth('training-home');
      await page.getByTestId('new-training').click();
      await page.getByTestId('new-training').waitFor();
      await page.getByTestId('hp-learningRate').waitFor();
      await page.getByTestId('train-dataset').selectOption('penguins');
      await page.getByTestId('train-version').selectOption('1');
      await page.getByTestId('train-target').locator('option[value=Species]').waitFor({ state: 'attached' });
      // Hyperparameters generated from the template: help, range and default shown.
      assert.match(await page.getByTestId('hp-learningRate').innerText(), /Step size of each update.*0 < x ≤ 10.*default 0\.001/s);
      await page.getByTestId('train-target').selectOption('Species');
      await page.getByTestId('task-suggestion').filter({ hasText: 'classification' }).waitFor();
      assert.equal(await page.getByTestId('train-features').locator('input:checked').count(), 6);
      // Small and quick: 4 epochs, one layer of 16, a checkpoint every 2 epochs.
      await setHp(page, 'hiddenUnits', '16');
      await setHp(page, 'epochs', 4);
      await setHp(page, 'checkpointEvery', 2);
      // A negative learning rate: the contract's schema refuses it as they type.
      await setHp(page, 'learningRate', '-0.1');
      const lrError = page.getByTestId('error-hyperparameters.learningRate');
      await lrError.waitFor();
      assert.match(await lrError.innerText(), /above 0/);
      assert.ok(await page.getByTestId('train-start').isDisabled(), 'start is disabled while a field is wrong');
      await page.getByTestId('hp-learningRate').scrollIntoViewIfNeeded();
      await shot('training-form-error-dark');
      await setHp(page, 'learningRate', '0.02');
      await lrError.waitFor({ state: 'detached' });
      // An engine refusal: Sex has a class with a single row, which a stratified split cannot place.
      await page.getByTestId('train-target').selectOption('Sex');
      await page.getByTestId('task-suggestion').filter({ hasText: /FEMALE/ }).waitFor();
      await page.getByTestId('train-start').click();
      const refusal = page.getByTestId('train-refusal');
      await refusal.waitFor();
      assert.match(await refusal.innerText(), /only one example/);
      assert.match(await refusal.innerText(), /stratify/);
      await page.getByTestId('error-split.stratify').waitFor();
      await refusal.scrollIntoViewIfNeeded();
      await shot('training-refusal-dark');
      await page.getByTestId('train-target').selectOption('Species');
      await page.getByTestId('task-suggestion').filter({ hasText: 'Adelie' }).waitFor();
      assert.equal(await page.getByTestId('train-refusal').count(), 0, 'a new target clears the refusal');
    },
  },
  {
    name: 'training: start penguins from the form and watch it live to finished, with curves',
    setup: true,
    async run(ctx) {
      const { page, shotBoth } = ctx;
      await page.getByTestId('train-name').fill('penguins-mlp');
      await page.getByTestId('hp-input-epochs').scrollIntoViewIfNeeded();
      await ctx.shot('training-form-dark');
      await page.getByTestId('train-start').click();
      await page.getByTestId('live-run').waitFor();
      await page.getByTestId('live-title').filter({ hasText: 'penguins-mlp' }).waitFor();
      assert.match(await page.getByTestId('run-backend').innerText(), /wasm|cpu|tensorflow/i);
      await statusOf(page).filter({ hasText: 'finished' }).waitFor({ timeout: 60_000 });
      await page.getByTestId('training-chart').first().waitFor();
      const charts = await page.getByTestId('training-chart').evaluateAll((els) => els.map((e) => e.getAttribute('data-metric')));
      for (const m of ['loss', 'acc', 'batch.loss']) assert.ok(charts.includes(m), `chart ${m} in ${charts}`);
      await page.locator('[data-testid=training-chart][data-metric=loss] .recharts-line-curve').first().waitFor();
      assert.match(await page.getByTestId('progress-epoch').innerText(), /4 of 4 epochs run/);
      await page.getByTestId('baselines').waitFor();
      assert.match(await page.getByTestId('baselines').innerText(), /majority class/);
      ctx.trainedRunUrl = page.url();
      await shotBoth('training-live-finished');
    },
  },
  {
    name: 'training: a second training shows in the queue, is cancelled with confirmation (killed), resumed and cancelled again',
    async run({ page, shot, shotBoth }) {
      await page.getByTestId('back-to-training').click();
      await page.getByTestId('new-training').click();
      await page.getByTestId('hp-input-epochs').waitFor();
      await page.getByTestId('train-name').fill('penguins-long');
      await setHp(page, 'epochs', 2000);
      await page.getByTestId('hp-input-earlyStopping').uncheck();
      await page.getByTestId('train-start').click();
      await page.getByTestId('live-run').waitFor();
      await page.getByTestId('progress-epoch').filter({ hasText: /Epoch [3-9]/ }).waitFor({ timeout: 30_000 });
      await page.getByTestId('progress-rate').waitFor();
      await shotBoth('training-live-running');
      // The queue panel: what runs where.
      await page.getByTestId('back-to-training').click();
      const job = page.locator('[data-testid=job-row][data-state=running]');
      await job.waitFor();
      assert.match(await job.innerText(), /penguins/);
      await shot('training-queue-dark');
      await job.click();
      await page.getByTestId('cancel-training').click();
      await page.getByTestId('cancel-dialog').waitFor();
      await shot('training-cancel-confirm-dark');
      await page.getByTestId('confirm-cancel').click();
      await statusOf(page).filter({ hasText: 'killed' }).waitFor({ timeout: 15_000 });
      // Killed after a checkpoint (every 2 epochs): it can resume.
      await page.getByTestId('resume-training').waitFor();
      await page.getByTestId('rerun-training').waitFor();
      await shot('training-killed-dark');
      // Resume continues the same run from its last checkpoint; cancel it again.
      await page.getByTestId('resume-training').click();
      await statusOf(page).filter({ hasText: 'running' }).waitFor({ timeout: 15_000 });
      await page.getByTestId('progress-epoch').filter({ hasText: /Epoch \d+ \/ 2000/ }).waitFor({ timeout: 15_000 });
      await page.getByTestId('cancel-training').click();
      await page.getByTestId('confirm-cancel').click();
      await statusOf(page).filter({ hasText: 'killed' }).waitFor({ timeout: 15_000 });
      await page.getByTestId('back-to-training').click();
      await page.locator('[data-testid=job-row][data-state=cancelled]').first().waitFor();
    },
  },
  {
    name: 'training: evaluate the finished run on penguins with a cost matrix and a slice -> report',
    async run({ page, shotBoth, shot }) {
      await page.locator('[data-testid=training-row]', { hasText: 'penguins-mlp' }).click();
      await page.getByTestId('evaluate-run').click();
      await page.getByTestId('evaluate-dialog').waitFor();
      await page.getByTestId('eval-version').locator('option').nth(1).waitFor({ state: 'attached' });
      await page.getByTestId('eval-slice').selectOption('Island');
      // The version the run trained on is chosen first, and its held-out test split is the default.
      assert.equal(await page.getByTestId('eval-split').inputValue(), 'test');
      await page.getByTestId('eval-split').selectOption('all');
      await page.getByTestId('eval-split-warning').waitFor();
      await page.getByTestId('eval-split').selectOption('test');
      await page.getByTestId('eval-use-cost').check();
      await page.getByTestId('cost-matrix').waitFor();
      // Three classes: right answers worth 1, mistaking a Gentoo for anything costs 5.
      for (const [i, j, v] of [[0, 0, '1'], [1, 1, '1'], [2, 2, '1'], [2, 0, '-5'], [2, 1, '-5']]) await page.getByTestId(`cost-cell-${i}-${j}`).fill(v);
      await page.getByTestId('cost-cell-0-1').fill('x');
      assert.ok(await page.getByTestId('evaluate-submit').isDisabled(), 'a non-number in the matrix blocks');
      await page.getByTestId('cost-cell-0-1').fill('-1');
      await shot('evaluate-dialog-dark');
      await page.getByTestId('evaluate-submit').click();
      await page.getByTestId('evaluation-report').waitFor({ timeout: 30_000 });
      await page.getByTestId('confusion-heatmap').waitFor();
      assert.equal(await page.getByTestId('heatmap-cell').count(), 9);
      await page.locator('[data-testid=roc-chart] .recharts-line-curve').first().waitFor();
      assert.match(await page.getByTestId('roc-curve').innerText(), /AUC 0\.\d|AUC 1/);
      await page.getByTestId('business-value').waitFor();
      assert.match(await page.getByTestId('value-per-1000').innerText(), /\d/);
      assert.equal(await page.getByTestId('slice-row').count(), 3, 'three islands');
      await page.getByTestId('report-baselines').waitFor();
      assert.equal(await page.getByTestId('report-rows').getAttribute('data-training-rows'), '0', 'held out');
      assert.match(await page.getByTestId('report-rows').innerText(), /held-out test split/);
      await page.getByTestId('interval-accuracy').waitFor();
      await page.getByTestId('task-toast').waitFor({ state: 'detached', timeout: 5000 }).catch(() => {});
      await shotBoth('evaluation-report');
      await page.getByTestId('slices').scrollIntoViewIfNeeded();
      await shot('evaluation-report-bottom-dark');
    },
  },
  {
    name: 'training: a tiny sweep (2 trials, 2 in parallel) on a binary table -> trials table, parallel coordinates, best',
    setup: true,
    async run(ctx) {
      const { page, shotBoth, shot } = ctx;
      await api(ctx, 'datasets.add', { name: 'churn', path: churnCsv(ctx.root, ctx.tmp), message: 'penguins with a churn label' });
      await openTraining(page);
      await page.getByTestId('open-new-sweep').click();
      await page.getByTestId('new-sweep').waitFor();
      await page.locator('details.base-spec > summary').click();
      await page.getByTestId('train-dataset').selectOption('churn');
      await page.getByTestId('train-target').locator('option[value=churned]').waitFor({ state: 'attached' });
      await page.getByTestId('train-target').selectOption('churned');
      await page.getByTestId('task-suggestion').filter({ hasText: 'yes' }).waitFor();
      await setHp(page, 'epochs', 3);
      await page.getByTestId('param-values-0').fill('0.01, 0.05');
      assert.equal(await page.getByTestId('sweep-grid-size').innerText(), '2');
      await page.getByTestId('sweep-name').fill('churn-lr');
      // A distribution in a grid is refused inline.
      await page.getByTestId('add-param').click();
      await page.getByTestId('param-kind-1').selectOption('values');
      await page.getByTestId('param-path-1').selectOption('hyperparameters.dropout');
      await page.getByTestId('error-params.1.values').waitFor();
      assert.ok(await page.getByTestId('sweep-start').isDisabled());
      await page.locator('[data-testid=sweep-param]').nth(1).locator('.param-remove').click();
      await shot('sweep-form-dark');
      await page.getByTestId('sweep-start').click();
      await page.getByTestId('sweep-view').waitFor();
      await page.getByTestId('sweep-status').filter({ hasText: 'finished' }).waitFor({ timeout: 60_000 });
      assert.equal(await page.getByTestId('trial-row').count(), 2);
      await page.locator('[data-testid=trial-row][data-best=true]').waitFor();
      await page.locator('[data-testid=parallel-coordinates] polyline').first().waitFor();
      assert.match(await page.getByTestId('sweep-best').innerText(), /trial \d/);
      await shotBoth('sweep-view');
    },
  },
  {
    name: 'training: the best trial evaluated with the churn preset -> value per 1000 and the value-vs-threshold curve',
    async run({ page, shotBoth }) {
      await page.locator('[data-testid=trial-row][data-best=true]').click();
      await page.getByTestId('live-run').waitFor();
      await page.getByTestId('evaluate-run').click();
      await page.getByTestId('evaluate-dialog').waitFor();
      await page.getByTestId('eval-use-cost').check();
      await page.getByTestId('cost-binary').waitFor();
      await page.getByTestId('cost-positive').selectOption('yes');
      await page.getByTestId('cost-preset-churn').click();
      assert.equal(await page.getByTestId('cost-fn').inputValue(), '-120');
      await page.getByTestId('evaluate-submit').click();
      await page.getByTestId('evaluation-report').waitFor({ timeout: 30_000 });
      await page.getByTestId('value-threshold-chart').locator('.recharts-line-curve').waitFor();
      const text = await page.getByTestId('business-value').innerText();
      assert.match(text, /value-optimal/);
      assert.match(text, /accuracy-optimal/);
      assert.match(text, /per 1000 cases/);
      await page.getByTestId('task-toast').waitFor({ state: 'detached', timeout: 5000 }).catch(() => {});
      await shotBoth('evaluation-business');
    },
  },
  {
    name: 'training: two evaluations of different runs compared side by side',
    async run({ page, shotBoth }) {
      await openTraining(page);
      const picks = page.getByTestId('all-evaluations').getByTestId('evaluation-pick');
      await picks.nth(1).waitFor();
      await picks.nth(0).check();
      await picks.nth(1).check();
      await page.getByTestId('all-evaluations').getByTestId('compare-evaluations').click();
      await page.getByTestId('evaluation-compare').waitFor();
      await page.getByTestId('compare-metric-row').first().waitFor();
      assert.ok((await page.getByTestId('compare-metric-row').count()) >= 4);
      assert.match(await page.getByTestId('evaluation-compare').innerText(), /Value per 1000 cases/);
      await shotBoth('evaluation-compare');
      await page.getByTestId('back-from-compare').click();
    },
  },
  {
    name: 'training: a regression report shows MAE/RMSE/R² and residual charts',
    async run(ctx) {
      const { page, shot } = ctx;
      const started = await api(ctx, 'training.start', {
        spec: { template: 'tabular-mlp', data: 'penguins@v1', target: 'Body Mass (g)', name: 'mass-regression', hyperparameters: { epochs: 3, hiddenUnits: [8], earlyStopping: false } },
      });
      for (let i = 0; i < 120; i++) {
        const run = await api(ctx, 'runs.get', { id: started.runId });
        if (run.status !== 'running') break;
        await new Promise((r) => setTimeout(r, 250));
      }
      await api(ctx, 'evaluation.run', { runId: started.runId, data: 'penguins@v2', slice: 'Species' });
      await openTraining(page);
      await page.getByTestId('all-evaluations').locator('[data-testid=evaluation-row]', { hasText: 'mass-regression' }).click();
      await page.getByTestId('evaluation-report').waitFor();
      await page.locator('[data-testid=residual-chart] .recharts-scatter-symbol').first().waitFor();
      const head = await page.getByTestId('report-headline').innerText();
      for (const m of ['MAE', 'RMSE', 'R²']) assert.ok(head.includes(m), `${m} in the headline`);
      assert.equal(await page.getByTestId('confusion-heatmap').count(), 0);
      await shot('evaluation-regression-dark');
    },
  },
];
