/**
 * Issue 12, pipelines: the sample penguins loop seeded in the new workspace runs when a version of its
 * watched dataset arrives (the trigger fires inside `lathe serve`), its DAG shows live stage states, the
 * gate's decision card its numbers and interval; a second version re-runs only what changed and the gate
 * compares with the champion; "Run now" with nothing changed is all cached; the history says why each
 * stage ran; the editor names schema errors at line:column. Screenshots at 1440 and 1024, both themes.
 * Run alone with E2E_ONLY=pipelines.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { api, sizes } from './helpers.mjs';

async function waitRunEnd(ctx, count) {
  for (let t0 = Date.now(); ; ) {
    const runs = await api(ctx.server, 'pipelines.history', { name: 'penguins-loop', limit: 10 });
    if (runs.length >= count && !['queued', 'running'].includes(runs[0].state)) return runs[0];
    if (Date.now() - t0 > 240_000) throw new Error(`pipeline run did not end in 240 s (${runs[0]?.state})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const loopDir = (ctx) => path.join(ctx.home, 'pipelines', 'penguins-loop');

export const pipelinesSpecs = [
  {
    name: 'pipelines: the sample loop is listed with its DAG before it ever ran',
    async run(ctx) {
      const { page } = ctx;
      await page.goto(`${ctx.server.url}`);
      await page.getByTestId('nav-pipelines').click();
      await page.getByTestId('pipelines-screen').waitFor();
      await page.getByTestId('pipeline-row').filter({ hasText: 'penguins-loop' }).waitFor();
      await page.getByTestId('pipeline-name').filter({ hasText: 'penguins-loop' }).waitFor();
      assert.equal(await page.getByTestId('pl-node').count(), 9);
      assert.equal(await page.locator('[data-testid=pl-node][data-state=pending]').count(), 9);
    },
  },
  {
    name: 'pipelines: a new version of the watched dataset runs the loop; states go live; the gate passes the first champion',
    async run(ctx) {
      const { page } = ctx;
      await api(ctx.server, 'datasets.add', { name: 'penguins-field', path: path.join(loopDir(ctx), 'penguins-field-v1.csv') });
      // The dataset trigger started a run inside the server: the page shows it without a reload.
      await page.locator('[data-testid=pl-node][data-state=ran]').first().waitFor({ timeout: 60_000 });
      const run = await waitRunEnd(ctx, 1);
      assert.equal(run.trigger, 'dataset');
      assert.equal(run.state, 'succeeded', run.error ?? '');
      await page.locator('[data-testid=pl-node][data-stage=export][data-state=ran]').waitFor({ timeout: 15_000 });
      await page.locator('[data-testid=pl-node][data-stage=gate]').click();
      await page.getByTestId('stage-why').filter({ hasText: 'never ran before' }).waitFor();
      await page.getByTestId('gate-reason').filter({ hasText: 'no champion yet' }).waitFor();
    },
  },
  {
    name: 'pipelines: new field data re-runs what changed; the decision card shows the paired interval',
    async run(ctx) {
      const { page } = ctx;
      await api(ctx.server, 'datasets.add', { name: 'penguins-field', path: path.join(loopDir(ctx), 'penguins-field-v2.csv') });
      const run = await waitRunEnd(ctx, 2);
      const states = Object.fromEntries(run.stages.map((s) => [s.stage, s.state]));
      assert.equal(states.holdout, 'cached');
      assert.equal(states.train, 'ran');
      await page.getByTestId('gate-interval').filter({ hasText: '[' }).waitFor({ timeout: 15_000 });
      await page.locator('[data-testid=pl-node][data-stage=train]').click();
      await page.getByTestId('stage-why').filter({ hasText: 'input data changed (penguins-field@v1 -> penguins-field@v2)' }).waitFor();
      await sizes(ctx, 'pipelines-run');
    },
  },
  {
    name: 'pipelines: Run now with nothing changed is all cached; history and explain say why',
    async run(ctx) {
      const { page } = ctx;
      await page.getByTestId('pipeline-run-now').click();
      const run = await waitRunEnd(ctx, 3);
      assert.ok(run.stages.every((s) => s.state === 'cached' || s.state === 'blocked'), JSON.stringify(run.stages.map((s) => s.state)));
      await page.locator('[data-testid=pl-node][data-stage=data][data-state=cached]').waitFor();
      await page.getByTestId('pipeline-tab-history').click();
      await page.getByTestId('run-history').filter({ hasText: 'never ran before' }).waitFor();
      await page.getByTestId('explain').filter({ hasText: 'cached (key' }).waitFor();
      await sizes(ctx, 'pipelines-history');
    },
  },
  {
    name: 'pipelines: the editor names schema errors at line:column as you type',
    async run(ctx) {
      const { page } = ctx;
      await page.getByTestId('pipeline-tab-file').click();
      const editor = page.getByTestId('pipeline-editor');
      const text = await editor.inputValue();
      await editor.fill(text.replace('type: gate', 'type: bouncer'));
      await page.getByTestId('pipeline-issues').filter({ hasText: 'unknown stage type "bouncer"' }).waitFor();
      const issue = await page.getByTestId('pipeline-issues').innerText();
      const line = text.split('\n').findIndex((l) => l.includes('type: gate')) + 1;
      assert.match(issue, new RegExp(`^${line}:\\d+ unknown stage type`));
      assert.equal(await page.getByTestId('pipeline-save').isDisabled(), true);
      await sizes(ctx, 'pipelines-editor');
      await editor.fill(text);
      await page.getByTestId('pipeline-issues').waitFor({ state: 'detached' });
    },
  },
];
