import assert from 'node:assert/strict';

/** 1440 and 1024 px, both themes, while a modal dialog makes the theme button inert: the theme is set on the page. */
async function modalSizes(ctx, name) {
  const { page } = ctx;
  const was = await page.evaluate(() => document.documentElement.dataset.theme);
  for (const width of [1440, 1024]) {
    await page.setViewportSize({ width, height: 900 });
    for (const theme of ['dark', 'light']) {
      await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
      await ctx.shot(`${name}-${width}-${theme}`);
    }
  }
  await page.evaluate((t) => (document.documentElement.dataset.theme = t), was);
  await page.setViewportSize({ width: 1360, height: 860 });
}

/** The renderer's shared pieces (issue 9 item 5, issue 13 item 3): the confirm dialog, one error display, toasts that do not pile up. */
export const structureSpecs = [
  {
    name: 'ui: a refused delete shows its reason once, in the confirm dialog; the same toast twice shows once, counted',
    async run(ctx) {
      const { page } = ctx;
      await page.getByTestId('nav-datasets').click();
      await page.getByTestId('back-to-list').click().catch(() => {});
      await page.getByTestId('dataset-row-penguins').click();
      // Tagging the same version twice says the same thing twice: one toast, ×2.
      for (let i = 0; i < 2; i++) {
        await page.getByTestId('tag-button-1').click();
        await page.getByTestId('tag-input').fill('reviewed');
        await page.getByTestId('tag-submit').click();
        await page.getByTestId('tag-input').waitFor({ state: 'detached' });
      }
      const success = page.getByTestId('toast-success');
      await success.first().waitFor();
      assert.equal(await success.count(), 1, 'identical toasts are shown once');
      assert.match(await success.innerText(), /Tagged penguins@v1 as reviewed\s*×2/);
      // A version a run trained on cannot be deleted: the refusal shows in the dialog, not also as a toast.
      await page.getByTestId('delete-button-2').click();
      await page.getByTestId('delete-dialog').waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Keep it', 'the harmless button has the focus');
      await page.getByTestId('delete-confirm').click();
      const refused = page.getByTestId('delete-error');
      await refused.waitFor();
      assert.ok((await refused.innerText()).length > 10);
      assert.equal(await page.getByTestId('toast-error').count(), 0, 'the refusal is not also a toast');
      await modalSizes(ctx, 'confirm-refused');
      await page.keyboard.press('Escape');
      await page.getByTestId('delete-dialog').waitFor({ state: 'detached' });
      await modalSizes(ctx, 'toasts');
    },
  },
];
