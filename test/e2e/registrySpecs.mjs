/**
 * Models and Deploy screens, end to end against the real engine: a tiny training run on the penguins
 * sample (training.start through the API), registered from the run detail, champion moved with a reason,
 * lineage graph, model card, compare, exports (tfjs, onnx, serving — the serving folder is started with
 * node and answers POST /predict), registry bundles (export, dry-run import into the same workspace, a
 * hostile tar refused with its reason). Runs after the experiments specs, before the closing check.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { api } from './helpers.mjs';

const HOSTILE = '<img src=x onerror=alert(1)>';
const MODEL = 'penguins-clf';

async function waitForRun(server, runId, timeoutMs = 90_000) {
  const t0 = Date.now();
  for (;;) {
    const run = await api(server, 'runs.get', { id: runId });
    if (run.status !== 'running' && run.status !== 'queued') return run;
    if (Date.now() - t0 > timeoutMs) throw new Error(`training run ${runId} still ${run.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** A tar whose only entry climbs out of the folder it is unpacked in. */
async function hostileTar(file) {
  const { pack: makePack } = await import('tar-stream');
  const pack = makePack();
  pack.entry({ name: '../evil' }, 'pwned');
  pack.finalize();
  const chunks = [];
  for await (const c of pack) chunks.push(c);
  fs.writeFileSync(file, Buffer.concat(chunks));
}

function startServing(dir) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['server.mjs'], { cwd: dir, env: { ...process.env, PORT: '0', HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => reject(new Error(`serving did not start\n${stderr}`)), 15_000);
    child.once('exit', (code) => reject(new Error(`serving exited with ${code}\n${stderr}`)));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
  });
}

async function openModelDetail(page) {
  await page.getByTestId('nav-models').click();
  if (await page.getByTestId('back-to-models').count()) return;
  await page.locator(`[data-testid=model-row][data-name="${MODEL}"]`).click();
  await page.getByTestId('model-detail').waitFor();
}

const isPending = (text) => /not yet/.test(text);

export const registrySpecs = [
  {
    name: 'models: the empty states say how to register and what Deploy needs',
    setup: true,
    async run(ctx) {
      const { page, server } = ctx;
      // Start a tiny training now; the UI checks below run while it trains.
      ctx.training = api(server, 'training.start', {
        spec: { template: 'tabular-mlp', data: 'penguins', target: 'Species', experiment: 'registry-e2e', name: 'penguin-tiny', hyperparameters: { epochs: 3, hiddenUnits: [8], batchSize: 64 } },
      });
      await page.getByTestId('nav-models').click();
      const empty = page.getByTestId('models-empty');
      await empty.waitFor();
      const text = await empty.innerText();
      assert.match(text, /Register model/);
      assert.match(text, /lathe models register <run> --name <model>/);
      await ctx.shotBoth('models-empty');
      await page.getByTestId('nav-deploy').click();
      await page.getByTestId('deploy-empty').waitFor();
      await ctx.shot('deploy-empty-dark');
    },
  },
  {
    name: 'models: a finished training run is registered from its run detail',
    setup: true,
    async run(ctx) {
      const { page, server } = ctx;
      const started = await ctx.training;
      const run = await waitForRun(server, started.runId);
      assert.equal(run.status, 'finished', `training ended ${run.status}`);
      ctx.trainedRun = run;
      await page.getByTestId('nav-experiments').click();
      for (const back of ['back-to-runs', 'back-from-compare', 'back-to-experiments']) {
        if (await page.getByTestId(back).count()) await page.getByTestId(back).click();
      }
      await page.locator('[data-testid=experiment-row][data-name="registry-e2e"]').click({ timeout: 15_000 });
      await page.locator('[data-testid=run-row]', { hasText: 'penguin-tiny' }).click();
      await page.getByTestId('run-detail').waitFor();
      await page.getByTestId('register-model').click();
      const dialog = page.getByTestId('register-dialog');
      await dialog.waitFor();
      await page.getByTestId('register-name').fill(MODEL);
      await page.getByTestId('register-description').fill('first tiny MLP');
      await ctx.shot('register-dialog-dark');
      await page.getByTestId('register-submit').click();
      await page.getByTestId('register-result').waitFor();
      assert.match(await page.getByTestId('register-result').innerText(), new RegExp(`Registered ${MODEL}@1`));
      await page.getByTestId('register-open').click();
      await page.getByTestId('model-detail').waitFor();
      assert.equal(await page.getByTestId('model-title').innerText(), MODEL);
      await page.locator('[data-testid=version-row][data-version="1"]').waitFor();
    },
  },
  {
    name: 'models: "Register from run…" lists finished runs with a model and adds v2',
    setup: true,
    async run({ page, shot }) {
      await page.getByTestId('register-from-run').click();
      await page.getByTestId('register-dialog').waitFor();
      const row = page.locator('[data-testid=register-run]', { hasText: 'penguin-tiny' });
      await row.waitFor();
      // MLflow and `lathe run` runs hold no model: not offered.
      assert.equal(await page.locator('[data-testid=register-run]', { hasText: 'adam-lr0.01' }).count(), 0);
      await row.click();
      assert.equal(await page.getByTestId('register-name').inputValue(), MODEL);
      await page.getByTestId('register-description').fill(HOSTILE);
      await shot('register-from-run-dark');
      await page.getByTestId('register-submit').click();
      await page.getByTestId('register-result').waitFor();
      await page.getByTestId('register-open').click();
      await page.locator('[data-testid=version-row][data-version="2"]').waitFor();
      assert.equal(await page.getByTestId('version-row').count(), 2);
      assert.equal(await page.locator('img[src=x]').count(), 0);
    },
  },
  {
    name: 'models: move champion with a reason; the alias history shows who, when, from, to, why',
    setup: true,
    async run({ page, shotBoth }) {
      await page.getByTestId('move-alias').click();
      await page.getByTestId('alias-dialog').waitFor();
      await page.getByTestId('alias-name').fill('champion');
      await page.getByTestId('alias-version').selectOption('1');
      await page.getByTestId('alias-reason').fill('first model that works');
      await page.getByTestId('alias-submit').click();
      await page.getByTestId('alias-dialog').waitFor({ state: 'detached' });
      await page.locator('[data-testid=alias-chip][data-alias=champion]', { hasText: 'v1' }).waitFor();
      // Move it: the chip opens the dialog on that alias.
      await page.locator('[data-testid=alias-chip][data-alias=champion]').click();
      await page.getByTestId('alias-version').selectOption('2');
      await page.getByTestId('alias-reason').fill('v2 beats v1 on validation');
      await page.getByTestId('alias-submit').click();
      await page.locator('[data-testid=alias-chip][data-alias=champion]', { hasText: 'v2' }).waitFor();
      const moves = page.getByTestId('alias-move');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=alias-move]').length === 2);
      const newest = await moves.first().innerText();
      assert.match(newest, /champion\s+v1\s+v2\s+\S+\s+v2 beats v1 on validation/);
      assert.match(await moves.nth(1).innerText(), /champion\s+—\s+v1/);
      await page.locator('[data-testid=version-row][data-version="2"]').click();
      await shotBoth('model-detail');
      await page.getByTestId('back-to-models').click();
      const row = page.locator(`[data-testid=model-row][data-name="${MODEL}"]`);
      assert.match(await row.innerText(), /penguins-clf\s+2\s+v2\s+champion\s+v2/);
      await shotBoth('models-list');
      await row.click();
      await page.getByTestId('model-detail').waitFor();
    },
  },
  {
    name: 'models: removing an alias asks first ("Keep it" leaves it on), then takes it off with its history',
    async run({ page }) {
      await page.getByTestId('move-alias').click();
      await page.getByTestId('alias-name').fill('staging');
      await page.getByTestId('alias-version').selectOption('1');
      await page.getByTestId('alias-submit').click();
      const chip = page.locator('[data-testid=alias-chip][data-alias=staging]');
      await chip.waitFor();
      await chip.click();
      await page.getByTestId('alias-remove').click();
      const confirm = page.getByTestId('alias-remove-confirm');
      await confirm.waitFor();
      assert.match(await confirm.innerText(), /staging points at v1 now[\s\S]*penguins-clf@staging/);
      await confirm.getByRole('button', { name: 'Keep it' }).click();
      await confirm.waitFor({ state: 'detached' });
      assert.ok(await page.getByTestId('alias-dialog').isVisible(), 'the alias dialog stays open after "Keep it"');
      assert.equal(await chip.count(), 1, 'nothing removed yet');
      await page.getByTestId('alias-reason').fill('staging retired');
      await page.getByTestId('alias-remove').click();
      await page.getByTestId('alias-remove-confirm-go').click();
      await page.getByTestId('alias-dialog').waitFor({ state: 'detached' });
      await chip.waitFor({ state: 'detached' });
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=alias-move]')].some((m) => /staging/.test(m.textContent ?? '') && /staging retired/.test(m.textContent ?? '')));
      assert.equal(await page.locator('[data-testid=alias-chip][data-alias=champion]').count(), 1, 'champion untouched');
    },
  },
  {
    name: 'models: the lineage graph runs dataset -> run -> model version (and back), nodes open their screens',
    async run({ page, shot, shotBoth }) {
      await page.getByTestId('model-tab-lineage').click();
      const graph = page.getByTestId('lineage-graph');
      await graph.waitFor();
      const box = async (kind) => (await page.locator(`[data-testid=lineage-node][data-kind=${kind}]`).first().boundingBox()) ?? assert.fail(`no ${kind} node`);
      const [d, r, m] = [await box('dataset_version'), await box('run'), await box('model_version')];
      assert.ok(d.x + d.width < r.x && r.x + r.width < m.x, 'left to right');
      assert.match(await graph.innerText(), /penguins@v\d+[\s\S]*penguin-tiny[\s\S]*penguins-clf@2/);
      await shotBoth('model-lineage');
      // The reverse: what the dataset version fed (both versions, through the one run).
      await page.getByTestId('show-downstream').first().click();
      const down = page.getByTestId('downstream-graph');
      await down.waitFor();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=downstream-graph] [data-kind=model_version]').length === 2);
      assert.match(await page.getByTestId('lineage-downstream').innerText(), /fed 2 model versions: penguins-clf@\d, penguins-clf@\d/);
      await shot('model-lineage-downstream-dark');
      await page.locator('[data-testid=lineage-graph] [data-testid=lineage-node][data-kind=run]').click();
      await page.getByTestId('run-detail').waitFor();
      assert.equal(await page.getByTestId('run-title').innerText(), 'penguin-tiny');
      await openModelDetail(page);
      await page.locator('[data-testid=lineage-node][data-kind=dataset_version]').click();
      await page.getByTestId('dataset-detail').waitFor();
      assert.equal(await page.getByTestId('dataset-title').innerText(), 'penguins');
      await openModelDetail(page);
    },
  },
  {
    name: 'models: the card renders its Markdown as text, saves edits, offers HTML only as a download',
    async run({ page, shotBoth, alerts }) {
      await page.getByTestId('model-tab-card').click();
      const md = page.getByTestId('card-markdown');
      await md.waitFor();
      assert.match(await md.innerText(), /Model card: penguins-clf v2/);
      assert.ok((await md.locator('table').count()) > 0, 'tables rendered');
      await page.getByTestId('card-field-intendedUse').fill(`Teaching only. ${HOSTILE}`);
      await page.getByTestId('card-save').click();
      await md.getByText('Teaching only.', { exact: false }).waitFor();
      assert.match(await md.innerText(), /Teaching only\. <img src=x onerror=alert\(1\)>/);
      assert.equal(await page.locator('img[src=x]').count(), 0);
      assert.equal(await page.locator('[data-testid=version-card] iframe').count(), 0);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('card-download-html').click()]);
      assert.equal(download.suggestedFilename(), 'penguins-clf-v2-card.html');
      const html = fs.readFileSync(await download.path(), 'utf8');
      assert.match(html, /<html/i);
      assert.ok(!html.includes(HOSTILE), 'the HTML card escapes what people typed');
      assert.deepEqual(alerts, []);
      await shotBoth('model-card');
    },
  },
  {
    name: 'models: compare two versions side by side, with evaluations on the same data',
    async run(ctx) {
      const { page, shot, server, trainedRun } = ctx;
      // Both versions come from one run: one evaluation of it on penguins lines up for both.
      await api(server, 'evaluation.run', { runId: trainedRun.id, data: 'penguins' });
      await page.getByTestId('model-tab-compare').click();
      await page.getByTestId('compare-with').selectOption('1');
      await page.getByTestId('compare-metrics').waitFor();
      assert.match(await page.getByTestId('compare-metrics').innerText(), /v1\s+v2/);
      const same = page.getByTestId('compare-same-data');
      await same.waitFor();
      // The registry reads evaluations through a hook the engine has to wire (RegistryService.evaluations).
      if ((await same.locator('table').count()) === 0) ctx.note = 'PENDING: models.compare gives no sameData yet (evaluations not wired into the registry)';
      else assert.match(await same.innerText(), /accuracy/i);
      await shot('model-compare-dark');
    },
  },
  {
    name: 'deploy: export tfjs, onnx and serving from the screen; the serving folder answers /predict',
    async run(ctx) {
      const { page, tmp } = ctx;
      await page.getByTestId('nav-deploy').click();
      await page.getByTestId('deploy-export').waitFor();
      await page.getByTestId('deploy-ref').fill(`${MODEL}@champion`);
      await page.getByTestId('deploy-resolved').filter({ hasText: `${MODEL} v2` }).waitFor();
      const exportAs = async (format) => {
        const out = path.join(tmp, `export-${format}`);
        await page.getByTestId(`format-${format}`).click();
        await page.getByTestId('deploy-out').fill(out);
        await page.getByTestId('deploy-export-submit').click();
        await page.locator(`[data-testid=export-result][data-format=${format}]`).waitFor({ timeout: 30_000 });
        assert.equal(await page.getByTestId('export-result-dir').innerText(), out);
        return out;
      };
      const tfjs = await exportAs('tfjs');
      for (const f of ['model.json', 'weights.bin', 'preprocessing.json', 'signature.json']) assert.ok(fs.existsSync(path.join(tfjs, f)), `tfjs ${f}`);
      const manifest = JSON.parse(fs.readFileSync(path.join(tfjs, 'model.json'), 'utf8'));
      assert.ok(manifest.modelTopology && manifest.weightsManifest, 'a TF.js layers model.json');

      await exportAs('onnx');
      const check = await page.getByTestId('onnx-check').innerText();
      assert.match(check, /max \|ONNX − TF\.js\| = [\d.e+-]+\s+on 100 rows ✓/);
      await ctx.shotBoth('deploy-onnx');

      const serving = await exportAs('serving');
      const command = await page.getByTestId('serving-command').innerText();
      assert.equal(command, `cd ${serving} && node server.mjs`);
      await ctx.shotBoth('deploy-serving');
      const { child, url } = await startServing(serving);
      try {
        const res = await fetch(`${url}/predict`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ rows: [{ Island: 'Biscoe', 'Beak Length (mm)': 47.1, 'Beak Depth (mm)': 14.9, 'Flipper Length (mm)': 218, 'Body Mass (g)': 5100, Sex: 'FEMALE' }] }),
        });
        const body = await res.json();
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.equal(body.predictions.length, 1);
        assert.ok(['Adelie', 'Chinstrap', 'Gentoo'].includes(body.predictions[0]), String(body.predictions[0]));
        assert.equal(body.probabilities[0].length, 3);
      } finally {
        child.kill();
      }
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=export-history-row]').length === 3);
      // Exports are lineage: they show in the model's graph.
      await openModelDetail(page);
      await page.getByTestId('model-tab-lineage').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=lineage-node][data-kind=export]').length === 3);
      await ctx.shot('model-lineage-exports-dark');
    },
  },
  {
    name: 'bundles: export a bundle, dry-run it into the same workspace: nothing would change',
    async run(ctx) {
      const { page, tmp } = ctx;
      await page.getByTestId('nav-deploy').click();
      const file = path.join(tmp, 'registry.lathe-bundle.tar');
      await page.locator(`[data-testid=bundle-model][data-ref="${MODEL}@champion"]`).check();
      await page.getByTestId('bundle-out').fill(file);
      await page.getByTestId('bundle-export-submit').click();
      const done = page.locator('[data-testid=bundle-export-result], [data-testid=bundle-export-error]');
      await done.first().waitFor({ timeout: 60_000 });
      if (await page.getByTestId('bundle-export-error').count()) {
        const text = await page.getByTestId('bundle-export-error').innerText();
        if (isPending(text)) {
          ctx.note = 'PENDING: bundle.export is not implemented in the engine yet';
          await ctx.shot('bundle-pending-dark');
          return;
        }
        assert.fail(text);
      }
      assert.match(await page.getByTestId('bundle-export-result').innerText(), /Wrote \d+ objects?/);
      assert.ok(fs.statSync(file).size > 0);
      await page.getByTestId('bundle-file').fill(file);
      await page.getByTestId('bundle-dry-run').click();
      const result = page.getByTestId('bundle-dry-run-result');
      await result.waitFor({ timeout: 60_000 });
      assert.match(await page.getByTestId('bundle-dry-run-result-headline').innerText(), /Nothing would change/);
      // Signed with this workspace's own key: shown as such (issue 8).
      assert.equal(await page.getByTestId('bundle-dry-run-result-signer').getAttribute('data-state'), 'self');
      assert.match(await page.getByTestId('bundle-export-signer').innerText(), /Signed by .+ [0-9a-f]{4}:/);
      assert.ok(await page.getByTestId('bundle-import-submit').isDisabled(), 'nothing to import');
      await ctx.shotBoth('bundle-dry-run');
    },
  },
  {
    name: 'bundles: an alias that points elsewhere here is a conflict, kept unless "overwrite aliases" is ticked',
    async run(ctx) {
      const { page, server } = ctx;
      if (!(await page.getByTestId('bundle-dry-run-result').count())) return void (ctx.note = 'PENDING: needs the bundle from the previous spec');
      await api(server, 'models.alias', { ref: `${MODEL}@1`, alias: 'champion', reason: 'rollback while v2 is checked' });
      await page.getByTestId('bundle-dry-run').click();
      const conflicts = page.getByTestId('bundle-dry-run-result-conflicts');
      await conflicts.waitFor();
      assert.match(await conflicts.innerText(), new RegExp(`${MODEL}@champion\\s+v1\\s+v2\\s+v1 \\(kept as here\\)`));
      await page.getByTestId('bundle-overwrite').check();
      assert.match(await conflicts.innerText(), /v2 \(the bundle’s\)/);
      await ctx.shot('bundle-conflict-dark');
      await page.getByTestId('bundle-import-submit').click();
      await page.getByTestId('bundle-confirm').waitFor();
      assert.match(await page.getByTestId('bundle-confirm').innerText(), /the bundle’s aliases replace yours/);
      await page.getByTestId('bundle-confirm-import').click();
      await page.getByTestId('bundle-import-result').waitFor({ timeout: 30_000 });
      assert.equal((await api(server, 'models.show', { ref: `${MODEL}@champion` })).number, 2);
      const history = await api(server, 'models.aliasHistory', { name: MODEL, alias: 'champion' });
      assert.equal(history.length, 4, 'set, moved, rolled back, and the import moved it back');
    },
  },
  {
    name: 'bundles: a hostile bundle (a ../evil entry), uploaded from the page, is refused with its reason',
    async run(ctx) {
      const { page, tmp, home } = ctx;
      const file = path.join(tmp, 'hostile.tar');
      await hostileTar(file);
      await page.getByTestId('bundle-file-input').setInputFiles(file);
      await page.getByTestId('bundle-chosen').waitFor();
      await page.waitForFunction(() => !document.querySelector('[data-testid=bundle-dry-run]')?.hasAttribute('disabled'));
      await page.getByTestId('bundle-dry-run').click();
      const err = page.getByTestId('bundle-import-error');
      await err.waitFor({ timeout: 30_000 });
      const text = await err.innerText();
      if (isPending(text)) {
        ctx.note = 'PENDING: bundle.import is not implemented in the engine yet (the upload and the error box work)';
        return;
      }
      assert.match(text, /\.\.|evil|outside|path/i);
      assert.equal(await page.getByTestId('bundle-dry-run-result').count(), 0);
      assert.ok(!fs.existsSync(path.join(home, 'evil')) && !fs.existsSync(path.join(path.dirname(home), 'evil')), 'nothing written outside');
      await ctx.shotBoth('bundle-hostile');
    },
  },
];
