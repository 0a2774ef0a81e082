/**
 * The empty Monitor screen's offer, end to end (issue 11 item 10): in a fresh workspace of its own (a second
 * `lathe serve`, so the shared run's models do not fill the list), "Add the sample's production history"
 * (`monitor.sample`) gives a monitored champion: drift flagged on Body Mass only over the shifted day, an
 * alert firing and its badge in the navigation, the multivariate (PCA reconstruction error) series with its
 * band, and the desktop-notifications setting on the alerts tab. Screenshots at 1440 and 1024, both themes.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { api } from './helpers.mjs';

const MODEL = 'penguins-sample';
const SHIFTED = 'Body Mass (g)';

/** Screenshots of `page` at both widths in both themes: <name>-<width>-<theme>.png under test-results/. */
async function sizesOf(ctx, page, name) {
  for (const width of [1440, 1024]) {
    await page.setViewportSize({ width, height: 900 });
    for (let k = 0; k < 2; k++) {
      await page.waitForTimeout(200);
      const theme = await page.evaluate(() => document.documentElement.dataset.theme);
      await page.screenshot({ path: path.join(ctx.root, 'test-results', `${name}-${width}-${theme}.png`) });
      await page.getByTestId('theme-toggle').click();
    }
  }
  await page.setViewportSize({ width: 1360, height: 860 });
}

export const sampleMonitorSpecs = [
  {
    name: 'monitor sample: the empty Monitor screen adds the sample’s production history; Body Mass drifts, an alert fires, the PCA series shows',
    async run(ctx) {
      const server = await ctx.startServer(path.join(ctx.tmp, 'sample-home'));
      // A context of its own: the token cookie is per host, not per port, and would replace the shared run's.
      const context = await ctx.context.browser().newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'dark', deviceScaleFactor: 1 });
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        await page.goto(`${server.url}#/monitor`);
        await page.getByTestId('monitor-empty').waitFor();
        await page.getByTestId('monitor-sample').click();
        const row = page.getByTestId('monitor-row').filter({ hasText: MODEL });
        await row.waitFor({ timeout: 90_000 });
        assert.match(await row.innerText(), /2,880/);
        // The firing alert is counted in the navigation.
        const badge = page.getByTestId('nav-alerts');
        await badge.waitFor();
        assert.ok(Number(await badge.innerText()) >= 1, 'the navigation counts the firing alert');
        await sizesOf(ctx, page, 'monitor-sample-list');

        await row.click();
        await page.getByTestId('monitor-model').waitFor();
        await page.getByTestId('range-all').click();
        const pca = page.getByTestId('chart-multivariate');
        await pca.locator('svg').first().waitFor();
        const text = await pca.innerText();
        // The number names its method and threshold.
        assert.match(text, /PCA reconstruction error/);
        assert.match(text, /± 3 sd/);
        const m = /(\d+) of (\d+) windows outside the band/.exec(text);
        assert.ok(m && Number(m[2]) === 72 && Number(m[1]) >= 8, `the shifted day leaves the band: ${m?.[0]}`);
        await sizesOf(ctx, page, 'monitor-sample-overview');

        // Over the shifted day, exactly one feature drifts: Body Mass.
        await page.getByTestId('range-24h').click();
        await page.getByTestId('mon-tab-features').click();
        await page.getByTestId('drift-table').waitFor();
        await page.locator(`[data-testid=drift-row][data-feature="${SHIFTED}"][data-drift=true]`).waitFor();
        const drifting = await page.locator('[data-testid=drift-row][data-drift=true]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-feature')));
        assert.deepEqual(drifting, [SHIFTED]);
        await sizesOf(ctx, page, 'monitor-sample-features');

        await page.getByTestId('mon-tab-alerts').click();
        await page.getByTestId('alerts-panel').waitFor();
        await page.locator('[data-testid=alert-rule][data-state=firing]').first().waitFor();
        const firing = await page.locator('[data-testid=alert-rule][data-state=firing]').allInnerTexts();
        assert.ok(firing.some((t) => /Body mass drift/.test(t)), `firing: ${firing.join(' | ')}`);
        assert.ok(firing.some((t) => /Multivariate drift \(PCA\)/.test(t)), `the multivariate default rule fires: ${firing.join(' | ')}`);
        // The desktop-notifications setting: on by default, switched off and on through the contract.
        const box = page.getByTestId('desktop-notifications');
        await page.waitForFunction(() => !document.querySelector('[data-testid=desktop-notifications]')?.disabled);
        assert.equal(await box.isChecked(), true);
        await box.uncheck();
        for (let i = 0; i < 50 && (await api(server, 'settings.get', {})).desktopNotifications; i++) await page.waitForTimeout(100);
        assert.equal((await api(server, 'settings.get', {})).desktopNotifications, false);
        await box.check();
        for (let i = 0; i < 50 && !(await api(server, 'settings.get', {})).desktopNotifications; i++) await page.waitForTimeout(100);
        assert.equal((await api(server, 'settings.get', {})).desktopNotifications, true);
        // A rule made in the form keeps its resolve delay (hysteresis) and says it on its row.
        await page.getByTestId('rule-series').fill('traffic');
        await page.getByLabel('operator').selectOption('<');
        await page.getByLabel('threshold').fill('5');
        await page.getByLabel('quiet windows to resolve').fill('4');
        await page.getByRole('button', { name: 'Add rule' }).click();
        const made = page.getByTestId('alert-rule').filter({ hasText: 'traffic < 5' });
        await made.waitFor();
        assert.match(await made.innerText(), /resolves after 4 quiet/);
        const stored = (await api(server, 'monitor.alerts', { model: MODEL })).rules.find((r) => r.series === 'traffic');
        assert.equal(stored.resolveAfter, 4);
        await sizesOf(ctx, page, 'monitor-sample-alerts');
        assert.deepEqual(errors, []);
      } finally {
        await context.close();
        const exited = new Promise((r) => server.child.once('exit', r));
        server.child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (server.child.exitCode === null) server.child.kill('SIGKILL');
      }
    },
  },
];
