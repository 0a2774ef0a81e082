/**
 * The specs, in order: a first-time user's flow through the Datasets screen, then the checks that
 * guard every page (HTML as text, no console errors, nothing leaves loopback, JSON-only API).
 * Each is { name, run(ctx) }; `setup: true` marks specs later ones depend on.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const HOSTILE = '<img src=x onerror=alert(1)>';

/** Penguins with one value changed and three rows appended: a believable second version. */
function modifiedPenguins(root, dir) {
  const src = fs.readFileSync(path.join(root, 'resources', 'sample', 'penguins.csv'), 'utf8');
  const lines = src.split('\n');
  assert.ok(lines[1].startsWith('Adelie,Torgersen,39.1,'), 'sample changed shape');
  lines[1] = lines[1].replace('39.1,', '39.2,');
  const tail = lines[lines.length - 1] === '' ? lines.pop() : null;
  lines.push('Gentoo,Biscoe,47.1,14.9,218,5100,FEMALE', 'Gentoo,Biscoe,51.3,16.1,226,5650,MALE', 'Chinstrap,Dream,48.8,18.3,197,3775,FEMALE');
  if (tail !== null) lines.push('');
  const file = path.join(dir, 'penguins-v2.csv');
  fs.writeFileSync(file, lines.join('\n'));
  return file;
}

function listFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

export const specs = [
  {
    name: 'the sample dataset penguins is listed on first start',
    setup: true,
    async run({ page, server, shotBoth }) {
      await page.goto(server.url);
      // The ?token= was traded for a cookie and dropped from the address bar.
      assert.ok(!page.url().includes('token='), `token still in URL: ${page.url()}`);
      const row = page.getByTestId('dataset-row-penguins');
      await row.waitFor();
      assert.match(await row.innerText(), /344/);
      assert.match(await page.getByTestId('workspace-path').innerText(), new RegExp(server.home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      await shotBoth('datasets-list');
    },
  },
  {
    name: 'open penguins and see its rows (virtualised, nulls dimmed)',
    setup: true,
    async run({ page, shotBoth }) {
      await page.getByTestId('dataset-row-penguins').click();
      await page.getByTestId('dataset-detail').waitFor();
      await page.getByTestId('version-row-1').waitFor();
      await page.locator('[data-testid=grid-row] .cell-text').first().waitFor();
      assert.match(await page.getByTestId('row-count').innerText(), /344 rows × 7 columns/);
      const rendered = await page.getByTestId('grid-row').count();
      assert.ok(rendered > 5 && rendered < 120, `virtualised: ${rendered} rows in the DOM`);
      assert.equal(await page.locator('[data-testid=grid-row]').first().locator('.cell').nth(1).innerText(), 'Adelie');
      assert.ok((await page.locator('.cell-null').count()) > 0, 'row 4 has nulls, shown dimmed');
      // Scrolling to the end fetches the last page.
      await page.getByTestId('rows-grid').evaluate((el) => (el.scrollTop = el.scrollHeight));
      await page.locator('[data-testid=grid-row]', { hasText: /^344/ }).waitFor();
      await page.getByTestId('rows-grid').evaluate((el) => (el.scrollTop = 0));
      await shotBoth('dataset-rows');
    },
  },
  {
    name: 'the profile tab shows a card per column with charts',
    async run({ page, shotBoth }) {
      await page.getByTestId('tab-profile').click();
      await page.getByTestId('profile-view').waitFor();
      assert.equal(await page.getByTestId('profile-card').count(), 7);
      await page.locator('[data-testid=histogram] svg .recharts-bar-rectangle').first().waitFor();
      assert.ok((await page.getByTestId('top-values').count()) >= 2, 'categorical columns show top values');
      assert.match(await page.getByTestId('quantiles').first().innerText(), /p50[\s\S]*≈/, 'numeric columns show approximate percentiles');
      await shotBoth('dataset-profile');
    },
  },
  {
    name: 'add a second version by uploading a modified CSV (HTML in the message)',
    setup: true,
    async run(ctx) {
      const { page, root, tmp } = ctx;
      ctx.v2File = modifiedPenguins(root, tmp);
      await page.getByTestId('add-version').click();
      await page.getByTestId('add-dialog').waitFor();
      assert.equal(await page.getByTestId('add-name').inputValue(), 'penguins');
      await page.getByTestId('add-file-input').setInputFiles(ctx.v2File);
      await page.getByTestId('add-chosen').waitFor();
      await page.getByTestId('add-message').fill(HOSTILE);
      await page.getByTestId('add-submit').click();
      const result = page.getByTestId('add-result');
      await result.waitFor();
      assert.match(await result.innerText(), /Created penguins@v2/);
      await ctx.shot('add-version-result');
      await page.getByTestId('add-open').click();
      await page.getByTestId('version-row-2').waitFor();
    },
  },
  {
    name: 'a message containing HTML is shown as text',
    async run({ page, alerts }) {
      const cell = page.getByTestId('version-message-2');
      assert.equal(await cell.innerText(), HOSTILE);
      assert.equal(await cell.locator('img').count(), 0);
      assert.equal(await page.locator('img[src=x]').count(), 0);
      assert.deepEqual(alerts, []);
    },
  },
  {
    name: 're-importing identical content makes no new version and says so',
    async run({ page, root }) {
      await page.getByTestId('add-version').click();
      await page.getByTestId('add-path').fill(path.join(root, 'resources', 'sample', 'penguins.csv'));
      await page.getByTestId('add-submit').click();
      const result = page.getByTestId('add-result');
      await result.waitFor();
      assert.match(await result.innerText(), /identical to penguins@v1; no new version made/);
      await page.keyboard.press('Escape');
      await page.getByTestId('add-dialog').waitFor({ state: 'detached' });
      assert.equal(await page.locator('[data-testid^=version-row-]').count(), 2);
    },
  },
  {
    name: 'the diff between v1 and v2 shows the added rows',
    async run({ page, shotBoth }) {
      await page.getByTestId('diff-pick-1').check();
      await page.getByTestId('diff-pick-2').check();
      await page.getByTestId('diff-button').click();
      await page.getByTestId('diff-view').waitFor();
      const added = await page.getByTestId('diff-added-count').innerText();
      assert.ok(Number(added.replace(/[^\d]/g, '')) >= 3, `added: ${added}`);
      // No key: the row whose bill length changed pairs with its old self by content (one modified row).
      assert.match(await page.getByTestId('diff-summary').innerText(), /\+3 added.*−0 removed.*~1 modified/s);
      const addedTable = page.getByTestId('diff-added');
      await addedTable.waitFor();
      assert.match(await addedTable.innerText(), /51\.3/);
      assert.ok((await page.getByTestId('diff-shifts').count()) === 1, 'column shifts with PSI');
      await shotBoth('dataset-diff');
    },
  },
  {
    name: 'export a version to a folder from the UI: byte-identical to the upload',
    async run(ctx) {
      const { page, tmp } = ctx;
      const out = path.join(tmp, 'export-v2');
      await page.getByTestId('export-button-2').click();
      await page.getByTestId('export-path').fill(out);
      await page.getByTestId('export-submit').click();
      await page.getByTestId('export-result').waitFor();
      assert.equal(await page.getByTestId('export-outdir').innerText(), out);
      await ctx.shot('export-result');
      const files = listFiles(out);
      assert.equal(files.length, 1, `files: ${files}`);
      assert.ok(fs.readFileSync(files[0]).equals(fs.readFileSync(ctx.v2File)), 'exported bytes differ from the uploaded file');
      await page.keyboard.press('Escape');
      await page.getByTestId('export-dialog').waitFor({ state: 'detached' });
    },
  },
  {
    name: 'importing an empty file shows a clear error once, in the dialog (message, where, hint), not also as a toast',
    async run({ page, tmp, shot }) {
      const empty = path.join(tmp, 'empty.csv');
      fs.writeFileSync(empty, '');
      await page.getByTestId('back-to-list').click();
      await page.getByTestId('add-dataset').click();
      await page.getByTestId('add-file-input').setInputFiles(empty);
      assert.equal(await page.getByTestId('add-name').inputValue(), 'empty');
      await page.getByTestId('add-submit').click();
      const inline = page.getByTestId('add-error');
      await inline.waitFor();
      const text = await inline.innerText();
      assert.ok(text.length > 10, `error: ${text}`);
      assert.ok(text.includes('empty.csv'), `the error names the file the user chose: ${text}`);
      assert.equal(await page.getByTestId('toast-error').count(), 0, 'the same error is not also a toast');
      await shot('error-inline-dark');
      await page.keyboard.press('Escape');
      await page.getByTestId('add-dialog').waitFor({ state: 'detached' });
      await page.getByTestId('dataset-row-penguins').waitFor();
      assert.equal(await page.getByTestId('dataset-row-empty').count(), 0, 'nothing was made');
    },
  },
  {
    name: 'a keyed diff highlights the changed cells of modified rows',
    async run({ page, tmp, shotBoth }) {
      const a = path.join(tmp, 'keyed-v1.csv');
      const b = path.join(tmp, 'keyed-v2.csv');
      fs.writeFileSync(a, 'id,city,temp\n1,Oslo,3.5\n2,Lima,19\n3,Pune,31\n');
      fs.writeFileSync(b, 'id,city,temp\n1,Oslo,4.5\n2,Lima,19\n4,Nuuk,-8\n');
      if (await page.getByTestId('back-to-list').count()) await page.getByTestId('back-to-list').click();
      for (const [file, msg] of [
        [a, 'first'],
        [b, 'second'],
      ]) {
        await page.getByTestId('add-dataset').click();
        await page.getByTestId('add-name').fill('cities');
        await page.getByTestId('add-path').fill(file);
        await page.getByTestId('add-message').fill(msg);
        await page.getByTestId('add-submit').click();
        await page.getByTestId('add-result').waitFor();
        await page.keyboard.press('Escape');
        await page.getByTestId('add-dialog').waitFor({ state: 'detached' });
      }
      await page.getByTestId('dataset-row-cities').click();
      await page.getByTestId('diff-pick-1').check();
      await page.getByTestId('diff-pick-2').check();
      await page.getByTestId('diff-button').click();
      await page.getByTestId('diff-view').waitFor();
      await page.getByTestId('diff-key').selectOption('id');
      const modified = page.getByTestId('diff-modified');
      await modified.waitFor();
      assert.equal(await modified.locator('td.changed').count(), 2, 'before and after cells of temp');
      assert.match(await page.getByTestId('diff-summary').innerText(), /\+1 added.*−1 removed.*~1 modified/s);
      await shotBoth('dataset-diff-keyed');
      await page.getByTestId('back-to-list').click();
    },
  },
  {
    name: 'a repeated header is renamed and the add dialog says so',
    async run({ page, tmp, shot }) {
      const file = path.join(tmp, 'dup-header.csv');
      fs.writeFileSync(file, 'id,score,score,note\n1,0.5,0.7,a\n2,0.9,0.1,b\n');
      if (await page.getByTestId('back-to-list').count()) await page.getByTestId('back-to-list').click();
      await page.getByTestId('add-dataset').click();
      await page.getByTestId('add-name').fill('dupheader');
      await page.getByTestId('add-path').fill(file);
      await page.getByTestId('add-submit').click();
      await page.getByTestId('add-result').waitFor();
      const warnings = page.getByTestId('add-warnings');
      assert.match(await warnings.innerText(), /column 3 repeats the name "score"; it is called "score_2"/);
      // The modal covers the theme toggle, so both themes are shown by setting the attribute it sets.
      const themes = async (name) => {
        const theme = await page.evaluate(() => document.documentElement.dataset.theme);
        for (const t of [theme, theme === 'dark' ? 'light' : 'dark']) {
          await page.evaluate((v) => (document.documentElement.dataset.theme = v), t);
          await shot(`${name}-${t}`);
        }
        await page.evaluate((v) => (document.documentElement.dataset.theme = v), theme);
      };
      for (const [width, height] of [
        [1440, 900],
        [1024, 768],
      ]) {
        await page.setViewportSize({ width, height });
        await themes(`add-warnings-${width}`);
      }
      await page.setViewportSize({ width: 1360, height: 860 });
      await page.keyboard.press('Escape');
      await page.getByTestId('add-dialog').waitFor({ state: 'detached' });
    },
  },
  {
    name: 'the command palette navigates (Ctrl+K) to the Monitor screen and to a dataset',
    async run({ page }) {
      await page.keyboard.press('Control+K');
      await page.getByTestId('palette').waitFor();
      await page.getByTestId('palette-input').fill('monitor');
      const first = () => page.locator('[data-testid=palette] [role=option]').first();
      await first().filter({ hasText: 'Monitor' }).waitFor();
      await page.getByTestId('palette-input').press('Enter');
      const panel = page.getByTestId('monitor-screen');
      await panel.waitFor();
      await page.locator('[data-testid="monitor-empty"], [data-testid="monitor-list"]').first().waitFor();
      assert.match(await panel.innerText(), /Monitor/);
      await page.keyboard.press('Control+K');
      await page.getByTestId('palette-input').fill('open penguins');
      await first().filter({ hasText: 'penguins' }).waitFor();
      await page.getByTestId('palette-input').press('Enter');
      await page.getByTestId('dataset-detail').waitFor();
      assert.equal(await page.getByTestId('dataset-title').innerText(), 'penguins');
    },
  },
  {
    name: 'a million rows scroll smoothly: only visible pages are fetched',
    async run(ctx) {
      const { page, tmp, shot } = ctx;
      const file = path.join(tmp, 'million.csv');
      const out = fs.openSync(file, 'w');
      fs.writeSync(out, 'id,value,group,note\n');
      const chunk = [];
      for (let i = 0; i < 1_000_000; i++) {
        chunk.push(`${i},${((i * 7919) % 10007) / 100},${'abcde'[i % 5]},${i % 97 === 0 ? '' : 'row ' + i}`);
        if (chunk.length === 50_000) {
          fs.writeSync(out, chunk.join('\n') + '\n');
          chunk.length = 0;
        }
      }
      fs.closeSync(out);
      await page.getByTestId('back-to-list').click();
      await page.getByTestId('add-dataset').click();
      await page.getByTestId('add-name').fill('million');
      await page.getByTestId('add-path').fill(file);
      await page.getByTestId('add-submit').click();
      await page.getByTestId('add-result').waitFor({ timeout: 60_000 });
      await page.getByTestId('add-open').click();
      await page.locator('[data-testid=grid-row] .cell-number').first().waitFor();
      assert.match(await page.getByTestId('row-count').innerText(), /1,000,000 rows/);

      let pageRequests = 0;
      const count = (req) => {
        if (req.url().endsWith('/api/call/datasets.rows')) pageRequests++;
      };
      page.on('request', count);
      const grid = page.getByTestId('rows-grid');
      // Jump to the middle, then to the end: a few pages each, not a million rows.
      await grid.evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
      await page.locator('[data-testid=grid-row] .cell-index', { hasText: /^500,?00\d$/ }).first().waitFor();
      await grid.evaluate((el) => (el.scrollTop = el.scrollHeight));
      await page.locator('[data-testid=grid-row] .cell-index', { hasText: /^1000000$/ }).waitFor();
      await page.locator('[data-testid=grid-row]', { hasText: /^1000000\s*999999/ }).waitFor();
      // A steady scroll of ~4,800 rows in 120 frames: measure frame times in the page. Headless Chromium
      // without a GPU paints slowly (~17-20 ms a frame with no scrolling at all), hence the lenient bound.
      const frames = await grid.evaluate(
        (el) =>
          new Promise((resolve) => {
            const times = [];
            let last = performance.now();
            let n = 0;
            el.scrollTop = el.scrollHeight / 4;
            const step = () => {
              const now = performance.now();
              times.push(now - last);
              last = now;
              el.scrollTop += 1040; // 40 rows a frame: a fast wheel
              if (++n < 120) requestAnimationFrame(step);
              else resolve(times);
            };
            requestAnimationFrame(step);
          }),
      );
      page.off('request', count);
      frames.sort((a, b) => a - b);
      const p90 = frames[Math.floor(frames.length * 0.9)];
      // A guard against jank (the 50 ms frame target is reported in the note, not asserted on a shared CI core).
      assert.ok(p90 < 100, `90th percentile frame ${p90.toFixed(1)} ms`);
      // Two jumps (~3 pages each with overscan) + a scroll across ~4,800 rows (~24 pages of 200):
      // the pager fetches what passes by, never the 5,000 pages of the whole table.
      assert.ok(pageRequests <= 40, `${pageRequests} page requests`);
      ctx.note = `p90 frame ${p90.toFixed(1)} ms, ${pageRequests} page requests`;
      await page.locator('[data-testid=grid-row] .cell-number').first().waitFor();
      await shot('million-rows-dark');
    },
  },
  {
    name: 'the API refuses a text/plain POST from the page with 415',
    async run({ page }) {
      const status = await page.evaluate(async () => {
        const r = await fetch('/api/call/app.info', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' });
        return r.status;
      });
      assert.equal(status, 415);
    },
  },
  {
    name: 'no console errors and no request left loopback',
    async run({ consoleErrors, foreignRequests, alerts }) {
      assert.deepEqual(consoleErrors, []);
      assert.deepEqual(foreignRequests, []);
      assert.deepEqual(alerts, []);
    },
  },
];
