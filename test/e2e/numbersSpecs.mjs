/**
 * Issue 13, words and numbers: a diff shows a column added in the second version as absent (not null) in
 * removed rows and lists it in the column shifts; a diff without a key pairs changed rows by content; the
 * Training run page registers its model and marks the run once registered; training charts title their x
 * axis `epoch` and keep an accuracy axis within [0, 1] and a learning-rate axis at or above 0; compare
 * views colour deltas by the metric's direction and list held-out metrics first. Screenshots of the diff,
 * run detail and compare views at 1440 and 1024 px in both themes. Run alone with E2E_ONLY=numbers.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { api, sizes } from './helpers.mjs';

const MODEL = 'numbers-species';

async function trainTiny(ctx, name, lr) {
  const started = await api(ctx.server, 'training.start', {
    spec: {
      template: 'tabular-mlp',
      data: 'penguins',
      target: 'Species',
      experiment: 'numbers',
      name,
      hyperparameters: { epochs: 4, hiddenUnits: [8], batchSize: 64, learningRate: lr },
    },
  });
  for (let t0 = Date.now(); ; ) {
    const run = await api(ctx.server, 'runs.get', { id: started.runId });
    if (run.status === 'finished') return run;
    if (run.status !== 'running' && run.status !== 'queued') throw new Error(`training ended ${run.status}`);
    if (Date.now() - t0 > 90_000) throw new Error('training took over 90 s');
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** The numbers of a chart's y-axis ticks. */
async function yTicks(page, selector) {
  const texts = await page.locator(`${selector} .recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value`).evaluateAll((els) => els.map((e) => e.textContent ?? ''));
  return texts.map((t) => Number(t.replace(/,/g, '').replace('−', '-')));
}

export const numbersSpecs = [
  {
    name: 'numbers: a diff shows an added column as absent in removed rows and in the column shifts; without a key it pairs changed rows',
    async run(ctx) {
      const { page, tmp } = ctx;
      const files = [
        ['widen-v1.csv', 'id,city,temp\n1,Oslo,3\n2,Lima,19\n3,Pune,31\n'],
        ['widen-v2.csv', 'id,city,temp,wind\n1,Oslo,4,10\n3,Pune,31,5\n4,Nuuk,-8,7\n'],
      ];
      for (const [f, text] of files) {
        fs.writeFileSync(path.join(tmp, f), text);
        await api(ctx.server, 'datasets.add', { name: 'widen', path: path.join(tmp, f) });
      }
      await page.goto(`${ctx.server.url}#/datasets`);
      if (await page.getByTestId('back-to-list').count()) await page.getByTestId('back-to-list').click();
      await page.getByTestId('dataset-row-widen').click();
      await page.getByTestId('diff-pick-1').check();
      await page.getByTestId('diff-pick-2').check();
      await page.getByTestId('diff-button').click();
      await page.getByTestId('diff-summary').waitFor();
      // No key: Oslo's changed temperature is one modified row, not a removed plus an added one.
      assert.match(await page.getByTestId('diff-summary').innerText(), /\+1 added.*−1 removed.*~1 modified.*1 unchanged/s);
      assert.match(await page.getByTestId('diff-matching').innerText(), /agree on at least half the columns/);
      const modified = page.getByTestId('diff-modified');
      await modified.waitFor();
      assert.equal(await modified.locator('td.changed').count(), 2, 'before and after cells of temp');
      // Lima's removed row has no wind: absent, not null.
      const removed = page.getByTestId('diff-removed');
      assert.equal(await removed.locator('td.cell-null').count(), 0, 'no null in removed rows');
      assert.equal(await removed.getByTestId('cell-absent').count(), 1);
      assert.match(await removed.getByTestId('absent-note').innerText(), /wind is not in v1/);
      const wind = page.locator('[data-testid=shift-row][data-column=wind]');
      assert.equal(await wind.getAttribute('data-presence'), 'added');
      assert.match(await wind.innerText(), /new column/);
      await sizes(ctx, 'numbers-diff');
      await page.getByTestId('diff-key').selectOption('id');
      await page.getByTestId('diff-modified').waitFor();
      assert.match(await page.getByTestId('diff-summary').innerText(), /\+1 added.*−1 removed.*~1 modified/s);
    },
  },
  {
    name: 'numbers: the Training run page registers its model and marks the run; its charts say epoch and fit their range',
    async run(ctx) {
      const { page } = ctx;
      const run = await trainTiny(ctx, 'numbers-a', 0.01);
      ctx.numbersRuns = [run];
      await page.goto(`${ctx.server.url}#/training/run/${run.id}`);
      await page.getByTestId('live-run').waitFor();
      await page.locator('[data-testid=training-chart] .recharts-line-curve').first().waitFor();
      // x axes are titled by what a step is; accuracy stays within [0, 1]; the learning rate is never below 0.
      const labels = await page.locator('[data-testid=training-chart] .recharts-label').evaluateAll((els) => els.map((e) => e.textContent ?? ''));
      assert.ok(labels.length > 0 && labels.every((l) => l === 'epoch' || l === 'batch'), `x axis titles: ${labels.join(', ')}`);
      const acc = await page.locator('[data-testid=training-chart]').evaluateAll((els) => els.map((e) => e.getAttribute('data-metric')));
      const accId = acc.find((m) => m === 'acc' || m === 'accuracy');
      if (accId) {
        const ticks = await yTicks(page, `[data-testid=training-chart][data-metric=${accId}]`);
        assert.ok(ticks.length > 1 && ticks.every((t) => t >= 0 && t <= 1), `accuracy ticks ${ticks.join(', ')}`);
      }
      if (acc.includes('lr')) {
        const ticks = await yTicks(page, '[data-testid=training-chart][data-metric=lr]');
        assert.ok(ticks.length > 0 && ticks.every((t) => t >= 0), `learning-rate ticks ${ticks.join(', ')}`);
      }
      // Register from the Training run page: the same dialog as in Experiments.
      const button = page.getByTestId('register-model');
      await button.waitFor();
      assert.equal(await page.getByTestId('registered-as').count(), 0, 'not registered yet');
      await button.click();
      await page.getByTestId('register-dialog').waitFor();
      await page.getByTestId('register-name').fill(MODEL);
      await page.getByTestId('register-submit').click();
      await page.getByTestId('register-result').waitFor();
      assert.match(await page.getByTestId('register-result').innerText(), new RegExp(`Registered ${MODEL}@1`));
      await page.keyboard.press('Escape');
      await page.getByTestId('register-dialog').waitFor({ state: 'detached' });
      const mark = page.locator('[data-testid=live-run] [data-testid=registered-as]');
      await mark.waitFor();
      assert.match(await mark.innerText(), new RegExp(`registered ${MODEL}@1`));
      assert.equal(await button.innerText(), 'Register again…');
      // Reopened, the page still knows.
      await page.reload();
      await mark.waitFor();
      await sizes(ctx, 'numbers-training-run');
    },
  },
  {
    name: 'numbers: run detail lists held-out metrics first; compare colours deltas by direction',
    async run(ctx) {
      const { page } = ctx;
      const [a] = ctx.numbersRuns ?? [await trainTiny(ctx, 'numbers-a', 0.01)];
      const b = await trainTiny(ctx, 'numbers-b', 0.05);
      await page.goto(`${ctx.server.url}#/experiments/run/${a.id}`);
      await page.getByTestId('run-detail').waitFor();
      const names = await page.locator('[data-testid=run-metrics] tr td:first-child').allInnerTexts();
      const first = names.findIndex((n) => !/^(test_|val_)/.test(n));
      const lastHeld = names.map((n) => /^(test_|val_)/.test(n)).lastIndexOf(true);
      assert.ok(first > 0 && lastHeld < first, `held-out metrics first: ${names.join(', ')}`);
      await sizes(ctx, 'numbers-run-detail');
      await page.goto(`${ctx.server.url}#/experiments/compare/${a.id},${b.id}`);
      await page.getByTestId('compare-view').waitFor();
      const deltas = page.locator('[data-testid=params-diff] [data-testid=metric-delta]');
      await deltas.first().waitFor();
      // A lower loss is better, a higher accuracy is better: the colours follow the sign per metric.
      const rows = await page.locator('[data-testid=params-diff] tr.metric-row').evaluateAll((trs) =>
        trs.map((tr) => {
          const d = tr.querySelector('[data-testid=metric-delta]');
          return { metric: tr.getAttribute('data-metric'), text: d?.textContent ?? '', sense: d?.getAttribute('data-sense') ?? '' };
        }),
      );
      const check = (metric, dir) => {
        const r = rows.find((x) => x.metric === metric);
        if (!r || r.text === '—' || r.text === '0') return;
        const up = r.text.startsWith('+');
        assert.equal(r.sense, up === (dir === 'max') ? 'better' : 'worse', `${metric} ${r.text} is ${r.sense}`);
      };
      check('val_loss', 'min');
      check('test_loss', 'min');
      check('val_acc', 'max');
      check('test_acc', 'max');
      assert.ok(rows.some((r) => r.sense === 'better' || r.sense === 'worse'), 'some delta is coloured');
      const order = rows.map((r) => r.metric);
      const train = order.findIndex((m) => !/^(test_|val_)/.test(m));
      assert.ok(train > 0 && order.slice(train).every((m) => !/^(test_|val_)/.test(m)), `held-out first: ${order.join(', ')}`);
      await page.getByTestId('params-diff').scrollIntoViewIfNeeded();
      await sizes(ctx, 'numbers-compare');
      ctx.numbersB = b;
    },
  },
  {
    name: 'numbers: model compare colours the change by the metric direction, held-out metrics first',
    async run(ctx) {
      const { page } = ctx;
      assert.ok(ctx.numbersB, 'needs the runs of the specs above');
      await api(ctx.server, 'models.register', { runId: ctx.numbersB.id, name: MODEL });
      await page.goto(`${ctx.server.url}#/models/${MODEL}/2/compare`);
      await page.getByTestId('version-compare').waitFor();
      await page.getByTestId('compare-with').selectOption('1');
      const table = page.getByTestId('compare-metrics');
      await table.waitFor();
      const rows = await table.locator('tbody tr').evaluateAll((trs) =>
        trs.map((tr) => {
          const d = tr.querySelector('[data-testid=metric-delta]');
          return { metric: tr.querySelector('td')?.textContent ?? '', text: d?.textContent ?? '', sense: d?.getAttribute('data-sense') ?? '' };
        }),
      );
      for (const r of rows) {
        const dir = /loss|rmse|mae/.test(r.metric) ? 'min' : /acc/.test(r.metric) && !r.metric.startsWith('baseline.') ? 'max' : null;
        if (!dir || r.text === '—' || r.text === '0') continue;
        assert.equal(r.sense, r.text.startsWith('+') === (dir === 'max') ? 'better' : 'worse', `${r.metric} ${r.text} is ${r.sense}`);
      }
      assert.ok(rows.some((r) => r.sense === 'better' || r.sense === 'worse'), 'some change is coloured');
      assert.match(rows[0].metric, /^test_/, `held-out first: ${rows.map((r) => r.metric).join(', ')}`);
      await sizes(ctx, 'numbers-model-compare');
    },
  },
];
