import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers';
import { failure, workspace } from './fixtures';

/**
 * Symbolic links in an image folder (issue 8): they used to be skipped without a word, so a folder
 * of 15001 images could import as 10000. Links that stay inside the folder are followed; links that
 * leave it, dangle or loop are refused by name, and nothing is written.
 */

async function png(file: string, shade: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: shade, g: 20, b: 20 } } }).png().toFile(file);
}

type Workspace = Awaited<ReturnType<typeof workspace>>;

function expectUnchanged(w: Workspace) {
  expect(w.engine.db.prepare('SELECT count(*) FROM datasets').pluck().get()).toBe(0);
  expect(w.engine.db.prepare('SELECT count(*) FROM blobs').pluck().get()).toBe(0);
}

describe('symbolic links in an image folder', () => {
  it('links to files and class folders inside the folder are followed and counted', async () => {
    const w = await workspace();
    const root = path.join(w.dir, 'pets');
    await png(path.join(root, 'cats', 'a.png'), 10);
    await png(path.join(root, 'cats', 'b.png'), 30);
    await png(path.join(root, 'store', 'dog1.png'), 200);
    await png(path.join(root, 'store', 'dog2.png'), 220);
    fs.symlinkSync('store', path.join(root, 'dogs')); // a class folder that is a link
    fs.symlinkSync(path.join(root, 'cats', 'a.png'), path.join(root, 'store', 'dog3.png')); // an image that is a link (absolute)
    const r = await w.add('pets', root);
    expect(r.version.rowCount).toBe(8); // cats: 2, store: 3, dogs (-> store): 3
    const shown = await w.engine['datasets.show']({ ref: 'pets' });
    expect(shown.profile).toMatchObject({ kind: 'images', count: 8 });
    const classes = shown.profile.kind === 'images' ? shown.profile.classes : [];
    expect(Object.fromEntries(classes.map((c) => [c.name, c.count]))).toEqual({ cats: 2, dogs: 3, store: 3 });
  });

  it('a link that leaves the folder is refused by name, and nothing is written', async () => {
    const w = await workspace();
    const outside = tempDir('lathe-outside-');
    try {
      const root = path.join(w.dir, 'pets');
      await png(path.join(root, 'cats', 'a.png'), 10);
      await png(path.join(outside, 'secret.png'), 90);
      await png(path.join(outside, 'more', 'x.png'), 90);
      fs.symlinkSync(path.join(outside, 'secret.png'), path.join(root, 'cats', 'secret.png'));
      fs.symlinkSync(path.join(outside, 'more'), path.join(root, 'dogs'));
      const err = await failure(w.add('pets', root));
      expect(err.code).toBe('BAD_FILE');
      expect(err.message).toContain('links to files outside itself');
      expect(err.message).toContain('cats/secret.png');
      expect(err.message).toContain('dogs');
      expect(err.where).toBe(path.join(root, 'cats', 'secret.png'));
      expectUnchanged(w);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('a dangling link and a link that loops are refused by name', async () => {
    const w = await workspace();
    const root = path.join(w.dir, 'pets');
    await png(path.join(root, 'cats', 'a.png'), 10);
    fs.symlinkSync(path.join(root, 'cats', 'gone.png'), path.join(root, 'cats', 'b.png'));
    const dangling = await failure(w.add('pets', root));
    expect(dangling).toMatchObject({ code: 'BAD_FILE', where: path.join(root, 'cats', 'b.png') });
    expect(dangling.message).toContain('points to nothing');
    fs.unlinkSync(path.join(root, 'cats', 'b.png'));
    fs.symlinkSync('..', path.join(root, 'cats', 'loop'));
    const loop = await failure(w.add('pets', root));
    expect(loop).toMatchObject({ code: 'BAD_FILE', where: path.join(root, 'cats', 'loop') });
    expect(loop.message).toContain('loops back');
    expectUnchanged(w);
  });
});
