/**
 * Issue 13, a tool people enjoy every day: the palette finds a model by its alias; a run logged by a
 * separate process appears in the open page and its chart moves without a reload; nothing clips at 1440
 * and 1024 px (element scroll width against client width in the listed views, both themes, screenshots);
 * the sidebar folds on narrow windows; the navigation returns to a screen's list. Run alone with
 * E2E_ONLY=polish; the specs make their own data (a tiny training, registered, aliased champion).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { api } from './helpers.mjs';

const MODEL = 'polish-species';

/** A finished tiny training registered as MODEL with champion on v1 (made once per server). */
async function championModel(ctx) {
  if (ctx.polishModel) return ctx.polishModel;
  const started = await api(ctx.server, 'training.start', {
    spec: { template: 'tabular-mlp', data: 'penguins', target: 'Species', experiment: 'polish', name: 'polish-tiny', hyperparameters: { epochs: 2, hiddenUnits: [8], batchSize: 64 } },
  });
  for (let t0 = Date.now(); ; ) {
    const run = await api(ctx.server, 'runs.get', { id: started.runId });
    if (run.status === 'finished') break;
    if (run.status !== 'running' && run.status !== 'queued') throw new Error(`training ended ${run.status}`);
    if (Date.now() - t0 > 90_000) throw new Error('training took over 90 s');
    await new Promise((r) => setTimeout(r, 300));
  }
  await api(ctx.server, 'models.register', { runId: started.runId, name: MODEL });
  await api(ctx.server, 'models.alias', { ref: `${MODEL}@1`, alias: 'champion', reason: 'e2e' });
  ctx.polishModel = { runId: started.runId };
  return ctx.polishModel;
}

/**
 * Elements inside the content whose content is cut off: wider than their box with overflow hidden and no
 * ellipsis, or sticking out past the content area's right edge where no scroller holds them. Text cut
 * with an ellipsis counts as fine (the full value is on hover).
 */
// Grids meant to scroll sideways: a dataset's rows (any number of columns) and the runs table (a column
// per param and metric the user picks). Everything else must fit.
const WIDE_GRIDS = '[data-testid=rows-grid], [data-testid=runs-grid]';

async function clipped(page) {
  return page.evaluate((WIDE_GRIDS) => {
    const root = document.querySelector('main.content');
    if (!root) return ['no main.content'];
    const out = [];
    const limit = root.getBoundingClientRect().right + 1;
    const scrollsX = (el) => {
      for (let p = el.parentElement; p && p !== root.parentElement; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'auto' || o === 'scroll') return true;
      }
      return false;
    };
    const name = (el) => `${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : ''}.${[...el.classList].join('.')}`;
    if (document.documentElement.scrollWidth > document.documentElement.clientWidth + 1) out.push(`page scrolls sideways (${document.documentElement.scrollWidth} > ${document.documentElement.clientWidth})`);
    if (root.scrollWidth > root.clientWidth + 1) out.push(`main.content ${root.scrollWidth} > ${root.clientWidth}`);
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') continue; // a long value scrolls inside its field
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const cs = getComputedStyle(el);
      if ((cs.overflowX === 'hidden' || cs.overflowX === 'clip') && cs.textOverflow !== 'ellipsis' && el.scrollWidth > el.clientWidth + 2 && !el.closest('svg')) {
        out.push(`${name(el)} cuts ${el.scrollWidth - el.clientWidth}px`);
      }
      if (r.right > limit && !scrollsX(el) && !el.closest('svg')) out.push(`${name(el)} sticks out ${Math.round(r.right - limit)}px`);
      // A table wrapper that has to be scrolled sideways to see its last columns also hides them.
      if ((cs.overflowX === 'auto' || cs.overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 2 && !el.closest(WIDE_GRIDS)) {
        out.push(`${name(el)} needs sideways scrolling (${el.scrollWidth} > ${el.clientWidth})`);
      }
    }
    return [...new Set(out)].slice(0, 12);
  }, WIDE_GRIDS);
}

async function backToList(page, screen) {
  if (await page.getByTestId('palette').isVisible()) await page.keyboard.press('Escape');
  const nav = page.getByTestId(`nav-${screen}`);
  await nav.click();
  // Already there: the second click goes back to the list.
  if ((await nav.getAttribute('aria-current')) === 'page') await nav.click();
}

/** The views the issue lists, opened one after the other; `check(label)` runs in each. */
async function eachView(ctx, check) {
  const { page } = ctx;
  await backToList(page, 'datasets');
  await page.getByTestId('dataset-row-penguins').waitFor();
  await check('datasets-list');
  await page.getByTestId('dataset-row-penguins').click();
  await page.getByTestId('dataset-detail').waitFor();
  await check('dataset-detail');

  await backToList(page, 'experiments');
  await page.locator('[data-testid=experiment-row][data-name="polish"]').click();
  await page.locator('[data-testid=run-row]').first().waitFor();
  await check('runs-table');
  await page.locator('[data-testid=run-row]', { hasText: 'polish-tiny' }).first().click();
  await page.getByTestId('run-detail').waitFor();
  await check('run-detail');

  await backToList(page, 'training');
  await check('training-home');

  await backToList(page, 'models');
  await page.locator(`[data-testid=model-row][data-name="${MODEL}"], [data-testid=model-row]`).first().waitFor();
  await check('models-list');
  await page.locator('[data-testid=model-row]', { hasText: MODEL }).first().click();
  await page.getByTestId('model-detail').waitFor();
  await page.locator('[data-testid=version-row][data-version="1"]').click();
  await check('model-version');

  await backToList(page, 'deploy');
  await check('deploy');
}

export const polishSpecs = [
  {
    name: 'polish: a right click on a runs-table cell offers Copy and copies the whole value; controls keep their own menu',
    async run(ctx) {
      const { page, context, origin } = ctx;
      await championModel(ctx);
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
      if (await page.getByTestId('palette').isVisible()) await page.keyboard.press('Escape');
      await backToList(page, 'experiments');
      await page.locator('[data-testid=experiment-row][data-name="polish"]').click();
      await page.getByTestId('runs-view').waitFor();
      const cell = page.locator('[data-testid=run-row] [data-testid=run-name]', { hasText: 'polish-tiny' }).first();
      await cell.click({ button: 'right' });
      const menu = page.getByTestId('copy-menu');
      await menu.waitFor();
      assert.match(await menu.innerText(), /Copy\s+polish-tiny/);
      await ctx.shot('copy-menu-dark');
      await page.getByTestId('copy-menu-copy').click();
      await page.getByTestId('copy-menu-copy').filter({ hasText: 'Copied' }).waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'polish-tiny');
      await menu.waitFor({ state: 'detached' });
      // Escape closes it; a button is not a value to copy.
      await cell.click({ button: 'right' });
      await menu.waitFor();
      await page.keyboard.press('Escape');
      await menu.waitFor({ state: 'detached' });
      await page.getByTestId('nav-models').click({ button: 'right' });
      await page.waitForTimeout(200);
      assert.equal(await menu.count(), 0, 'a right click on a control opens no copy menu');
    },
  },
  {
    name: 'polish: the palette finds a model by its alias and opens that version',
    async run(ctx) {
      const { page } = ctx;
      await championModel(ctx);
      await page.keyboard.press('Control+K');
      await page.getByTestId('palette').waitFor();
      await page.getByTestId('palette-input').fill('polish champ');
      const firstOption = page.locator('[data-testid=palette] [role=option]').first();
      await firstOption.waitFor();
      assert.match(await firstOption.innerText(), new RegExp(`${MODEL}@champion`));
      await ctx.shot('palette-alias-dark');
      await page.keyboard.press('Enter');
      await page.getByTestId('model-detail').waitFor();
      assert.equal(await page.getByTestId('model-title').innerText(), MODEL);
      // The screens and the actions are there too.
      await page.keyboard.press('Control+K');
      await page.getByTestId('palette-input').fill('new train');
      assert.match(await page.locator('[data-testid=palette] [role=option]').first().innerText(), /New training/);
      await page.keyboard.press('Escape');
    },
  },
  {
    name: 'polish: clicking the current screen in the navigation returns to its list',
    async run({ page }) {
      if (await page.getByTestId('palette').isVisible()) await page.keyboard.press('Escape');
      // Deep in Datasets, over to Models (which opens where the palette left it: a version), and back.
      await backToList(page, 'datasets');
      await page.getByTestId('dataset-row-penguins').click();
      await page.getByTestId('dataset-detail').waitFor();
      await page.getByTestId('nav-models').click();
      await page.getByTestId('model-detail').waitFor();
      await page.getByTestId('nav-datasets').click();
      await page.getByTestId('dataset-detail').waitFor(); // another screen reopens where it was
      await page.getByTestId('nav-datasets').click(); // the current one goes back to its list
      await page.getByTestId('dataset-detail').waitFor({ state: 'detached' });
      await page.getByTestId('dataset-row-penguins').waitFor();
      await page.getByTestId('nav-models').click();
      await page.getByTestId('model-detail').waitFor();
      await page.getByTestId('nav-models').click();
      await page.getByTestId('model-detail').waitFor({ state: 'detached' });
      await page.locator('[data-testid=model-row]').first().waitFor();
    },
  },
  {
    name: 'polish: a run logged by a separate process appears in the open page and its chart moves',
    async run(ctx) {
      const { page, root, home } = ctx;
      await backToList(page, 'experiments');
      await page.locator('[data-testid=experiment-row]').first().waitFor();
      const script = "let i = 0; const t = setInterval(() => { console.log('lathe.metric loss=' + (1 / (i + 1)) + ' step=' + i); if (++i === 12) clearInterval(t); }, 500);";
      const child = spawn(process.execPath, [path.join(root, 'bin', 'lathe.mjs'), 'run', '--experiment', 'live-elsewhere', '--name', 'from-a-terminal', '--', process.execPath, '-e', script], {
        cwd: root,
        env: { ...process.env, LATHE_HOME: home },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise((resolve) => child.on('exit', resolve));
      try {
        // No reload: the experiment and then the run appear while the process runs.
        await page.locator('[data-testid=experiment-row][data-name="live-elsewhere"]').click({ timeout: 15_000 });
        const row = page.locator('[data-testid=run-row]', { hasText: 'from-a-terminal' });
        await row.waitFor({ timeout: 5_000 });
        assert.equal(child.exitCode, null, 'the run should still be running when it shows up');
        await row.click();
        await page.getByTestId('run-detail').waitFor();
        await page.getByTestId('run-tab-metrics').click();
        const card = page.locator('[data-testid=chart-card][data-metric=loss]');
        await card.waitFor({ timeout: 5_000 });
        const points = async () => Number((/(\d+) points?/.exec(await card.innerText()) ?? [])[1] ?? 0);
        const before = await points();
        const grown = await page.waitForFunction(
          ([n]) => {
            const el = document.querySelector('[data-testid=chart-card][data-metric=loss]');
            const m = /(\d+) points?/.exec(el?.textContent ?? '');
            return m !== null && Number(m[1]) > n ? Number(m[1]) : false;
          },
          [before],
          { timeout: 5_000 },
        );
        assert.equal(child.exitCode, null, 'the chart should move while the run is still running');
        ctx.note = `the chart went from ${before} to ${await grown.jsonValue()} points while the other process ran`;
        await ctx.shot('live-other-process-dark');
      } finally {
        const code = await exited;
        assert.equal(code, 0, stderr);
      }
    },
  },
  {
    name: 'polish: nothing clips at 1440 and 1024 px in the listed views (both themes); the sidebar folds at 1024',
    async run(ctx) {
      const { page } = ctx;
      await championModel(ctx);
      const problems = [];
      for (const [width, height] of [
        [1440, 900],
        [1024, 768],
      ]) {
        await page.setViewportSize({ width, height });
        const navWidth = await page.locator('nav.nav').evaluate((n) => n.getBoundingClientRect().width);
        if (width === 1024) assert.ok(navWidth < 80, `the sidebar should fold at 1024 px (it is ${navWidth}px)`);
        else assert.ok(navWidth > 150, `the sidebar should show its names at 1440 px (it is ${navWidth}px)`);
        await eachView(ctx, async (label) => {
          await page.waitForTimeout(200);
          for (const p of await clipped(page)) problems.push(`${width}px ${label}: ${p}`);
          await ctx.shotBoth(`polish-${label}-${width}`);
        });
      }
      await page.setViewportSize({ width: 1360, height: 860 });
      assert.deepEqual(problems, []);
    },
  },
  {
    name: 'polish: the register dialog marks runs already registered, and after registering shows only the result',
    async run(ctx) {
      const { page } = ctx;
      const { runId } = await championModel(ctx);
      await backToList(page, 'models');
      await page.getByTestId('register-from-run').click();
      const dialog = page.getByTestId('register-dialog');
      await dialog.waitFor();
      const row = page.locator(`[data-testid=register-run][data-run="${runId}"]`);
      await row.locator('[data-testid=registered-as]').waitFor();
      assert.match(await row.innerText(), new RegExp(`registered ${MODEL}@1`));
      await row.click();
      await page.getByTestId('register-name').fill(MODEL);
      assert.match(await dialog.innerText(), /Becomes v2 of/);
      await ctx.shot('register-marked-dark');
      await page.getByTestId('register-submit').click();
      await page.getByTestId('register-result').waitFor();
      const text = await dialog.innerText();
      assert.match(text, new RegExp(`Registered ${MODEL}@2`));
      assert.doesNotMatch(text, /Becomes v/);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
    },
  },
  {
    name: 'polish: a non-unique diff key keeps the picker, shows the refusal in place of the results, names the unique columns',
    async run(ctx) {
      const { page, tmp } = ctx;
      const files = [
        ['dupkey-v1.csv', 'id,group,temp\n1,a,3\n2,a,19\n3,b,19\n'],
        ['dupkey-v2.csv', 'id,group,temp\n1,a,4\n2,b,19\n4,b,-8\n'],
      ];
      for (const [f, text] of files) {
        fs.writeFileSync(path.join(tmp, f), text);
        await api(ctx.server, 'datasets.add', { name: 'dupkey', path: path.join(tmp, f) });
      }
      await backToList(page, 'datasets');
      await page.getByTestId('dataset-row-dupkey').click();
      await page.getByTestId('diff-pick-1').check();
      await page.getByTestId('diff-pick-2').check();
      await page.getByTestId('diff-button').click();
      await page.getByTestId('diff-summary').waitFor();
      await page.getByTestId('diff-key').selectOption('group');
      const refusal = page.getByTestId('diff-error');
      await refusal.waitFor();
      assert.match(await refusal.innerText(), /not unique[\s\S]*Unique in both versions: id\./);
      assert.equal(await page.getByTestId('diff-key').inputValue(), 'group', 'the picker stays, on the refused key');
      assert.equal(await page.getByTestId('diff-summary').count(), 0, 'no stale results under the refusal');
      await ctx.shot('diff-key-refused-dark');
      await page.getByTestId('diff-key').selectOption('id');
      await page.getByTestId('diff-modified').waitFor();
      assert.equal(await refusal.count(), 0);
    },
  },
  {
    name: 'polish: New training opens with no error before any input, and asks for the target',
    async run(ctx) {
      const { page } = ctx;
      await page.goto(`${ctx.server.url}#/training/new`);
      await page.getByTestId('new-training').waitFor();
      await page.getByTestId('train-version').locator('option').first().waitFor({ state: 'attached' });
      await page.getByTestId('needs-target').waitFor();
      assert.equal(await page.locator('[data-testid=new-training] [role=alert]').count(), 0, 'no error box');
      assert.equal(await page.getByTestId('spec-error-count').count(), 0);
      assert.ok(await page.getByTestId('train-start').isDisabled());
      await page.getByTestId('train-target').selectOption('Species');
      await page.getByTestId('needs-target').waitFor({ state: 'detached' });
      assert.ok(await page.getByTestId('feature-Island').isChecked());
    },
  },
  {
    name: 'polish: Re-run opens New training filled with the run spec and starts nothing',
    async run(ctx) {
      const { page } = ctx;
      const { runId } = await championModel(ctx);
      const before = (await api(ctx.server, 'training.jobs', {})).jobs.length;
      await page.goto(`${ctx.server.url}#/training/run/${runId}`);
      await page.getByTestId('live-run').waitFor();
      await page.getByTestId('rerun-training').click();
      await page.getByTestId('new-training').waitFor();
      await page.getByTestId('prefilled-from').waitFor();
      assert.equal(await page.getByTestId('train-dataset').inputValue(), 'penguins');
      assert.equal(await page.getByTestId('train-target').inputValue(), 'Species');
      assert.equal(await page.getByTestId('hp-input-epochs').inputValue(), '2');
      assert.equal(await page.getByTestId('suggest-error').count(), 0);
      // The spec left the features to the engine: the form shows the ones it picked, and nothing needs fixing.
      assert.ok(await page.getByTestId('feature-Island').isChecked());
      assert.equal(await page.getByTestId('spec-error-count').count(), 0);
      assert.equal((await api(ctx.server, 'training.jobs', {})).jobs.length, before, 'no run was started');
      await ctx.shot('rerun-prefilled-dark');
    },
  },
  {
    name: 'polish: exporting into a folder that exists offers the next free folder and exports there in one click',
    async run(ctx) {
      const { page, tmp } = ctx;
      await championModel(ctx);
      const taken = path.join(tmp, 'taken-export');
      fs.mkdirSync(taken, { recursive: true });
      fs.writeFileSync(path.join(taken, 'keep.txt'), 'not empty');
      await backToList(page, 'deploy');
      await page.getByTestId('deploy-ref').fill(`${MODEL}@1`);
      await page.getByTestId('format-tfjs').click();
      await page.getByTestId('deploy-out').fill(taken);
      await page.getByTestId('deploy-export-submit').click();
      await page.getByTestId('deploy-error').waitFor();
      const offer = page.getByTestId('deploy-new-folder');
      assert.match(await offer.innerText(), /taken-export-2/);
      await page.getByTestId('deploy-export-new-folder').click();
      await page.getByTestId('export-result').waitFor({ timeout: 60_000 });
      assert.equal(await page.getByTestId('export-result-dir').innerText(), `${taken}-2`);
      assert.ok(fs.existsSync(path.join(taken, 'keep.txt')), 'the existing folder is untouched');
    },
  },
  {
    name: 'polish: moving an alias to a version with other inputs warns with the removed columns before the move',
    async run(ctx) {
      const { page } = ctx;
      await championModel(ctx);
      const started = await api(ctx.server, 'training.start', {
        spec: { template: 'tabular-mlp', data: 'penguins', target: 'Species', features: ['Island', 'Sex'], experiment: 'polish', name: 'polish-narrow', hyperparameters: { epochs: 2, hiddenUnits: [8], batchSize: 64 } },
      });
      for (let t0 = Date.now(); ; ) {
        const run = await api(ctx.server, 'runs.get', { id: started.runId });
        if (run.status === 'finished') break;
        if (run.status !== 'running' && run.status !== 'queued') throw new Error(`training ended ${run.status}`);
        if (Date.now() - t0 > 90_000) throw new Error('training took over 90 s');
        await new Promise((r) => setTimeout(r, 300));
      }
      const v = await api(ctx.server, 'models.register', { runId: started.runId, name: MODEL });
      await backToList(page, 'models');
      await page.locator('[data-testid=model-row]', { hasText: MODEL }).first().click();
      await page.locator('[data-testid=alias-chip][data-alias=champion]').click();
      await page.getByTestId('alias-dialog').waitFor();
      await page.getByTestId('alias-version').selectOption(String(v.number));
      const warning = page.getByTestId('alias-signature-warning');
      await warning.waitFor();
      assert.match(await page.getByTestId('sig-removed').innerText(), /Beak Length \(mm\)/);
      assert.equal(await page.getByTestId('sig-added').count(), 0);
      assert.match(await page.getByTestId('alias-submit').innerText(), /Move alias anyway/);
      await ctx.shot('alias-signature-warning-dark');
      // Back to a version with the same inputs: no warning.
      await page.getByTestId('alias-version').selectOption('2');
      await warning.waitFor({ state: 'detached' });
      await page.keyboard.press('Escape');
      await page.getByTestId('alias-dialog').waitFor({ state: 'detached' });
    },
  },
];
