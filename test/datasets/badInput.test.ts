import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { failure, workspace } from './fixtures';

type Workspace = Awaited<ReturnType<typeof workspace>>;

/** After a refused import the workspace holds no dataset, no blob and no pack. */
function expectUnchanged(w: Workspace) {
  expect(w.engine.db.prepare('SELECT count(*) FROM datasets').pluck().get()).toBe(0);
  expect(w.engine.db.prepare('SELECT count(*) FROM blobs').pluck().get()).toBe(0);
  expect(fs.readdirSync(path.join(w.home, 'objects', 'packs'))).toEqual([]);
  expect(fs.readdirSync(path.join(w.home, 'tmp'))).toEqual([]);
}

describe('bad input is refused with a specific error and changes nothing', () => {
  it('an unclosed quote names its line', async () => {
    const w = await workspace();
    const file = w.write('q.csv', 'a,b\n1,x\n2,"never closed\n3,z\n');
    const err = await failure(w.add('q', file));
    expect(err).toMatchObject({ code: 'BAD_FILE', where: `${file}:3` });
    expect(err.message).toContain('never closed');
    expectUnchanged(w);
  });

  it('a ragged row names its line and the field counts', async () => {
    const w = await workspace();
    const file = w.write('r.csv', 'a,b,c\n1,2,3\n4,"5\n5",6\n7,8\n');
    const err = await failure(w.add('r', file));
    expect(err).toMatchObject({ code: 'BAD_FILE', where: `${file}:5` });
    expect(err.message).toContain('has 2 fields, expected 3');
    expectUnchanged(w);
  });

  it('bytes that are not UTF-8 are located', async () => {
    const w = await workspace();
    const file = w.write('l.csv', Buffer.concat([Buffer.from('name,city\nAnn,Paris\nBo,K'), Buffer.from([0xf6]), Buffer.from('ln\n')]));
    const err = await failure(w.add('l', file));
    expect(err).toMatchObject({ code: 'BAD_FILE', where: `${file}:3` });
    expect(err.message).toContain('byte 24');
    expectUnchanged(w);
  });

  it('empty and header-only files', async () => {
    const w = await workspace();
    const empty = await failure(w.add('e', w.write('e.csv', '')));
    expect(empty.code).toBe('BAD_FILE');
    expect(empty.message).toContain('empty');
    const headerOnly = await failure(w.add('h', w.write('h.csv', 'a,b,c\r\n')));
    expect(headerOnly.code).toBe('BAD_FILE');
    expect(headerOnly.message).toContain('no data rows');
    const emptyJson = await failure(w.add('j', w.write('j.jsonl', '\n\n')));
    expect(emptyJson.code).toBe('BAD_FILE');
    expectUnchanged(w);
  });

  it('a 100 MB line is refused quickly without holding it all', async () => {
    const w = await workspace();
    const file = path.join(w.dir, 'long.csv');
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, 'a,b\n1,');
    const block = Buffer.alloc(8 * 1024 * 1024, 'x');
    for (let i = 0; i < 12; i++) fs.writeSync(fd, block);
    fs.writeSync(fd, '\n');
    fs.closeSync(fd);
    const started = Date.now();
    const err = await failure(w.add('long', file));
    expect(err).toMatchObject({ code: 'BAD_FILE', where: `${file}:2` });
    expect(err.message).toContain('longer than 16 MB');
    expect(Date.now() - started).toBeLessThan(5000);
    expectUnchanged(w);
  });

  it('a missing path, a bad name, a JSONL line that is not an object', async () => {
    const w = await workspace();
    const missing = await failure(w.add('m', path.join(w.dir, 'nope.csv')));
    expect(missing).toMatchObject({ code: 'NOT_FOUND' });
    expect(missing.message).toContain('nope.csv');
    const badName = await failure(w.add('../evil\u0001', w.write('x.csv', 'a\n1\n')));
    expect(badName).toMatchObject({ code: 'INVALID_INPUT', where: 'name' });
    const notObject = await failure(w.add('j', w.write('j.jsonl', '{"a":1}\n[1,2]\n')));
    expect(notObject).toMatchObject({ code: 'BAD_FILE', where: `${path.join(w.dir, 'j.jsonl')}:2` });
    const badJson = await failure(w.add('j', w.write('k.jsonl', '{"a":1}\n{"a":\n')));
    expect(badJson.message).toContain('line 2 is not valid JSON');
    expectUnchanged(w);
  });

  it('a folder of mixed files names them; a fake image is named', async () => {
    const w = await workspace();
    w.write('mixed/cats/a.png', 'x');
    w.write('mixed/cats/notes.txt', 'hello');
    const mixed = await failure(w.add('m', path.join(w.dir, 'mixed')));
    expect(mixed.code).toBe('BAD_FILE');
    expect(mixed.message).toContain('cats/notes.txt');
    const fake = w.write('fake/dogs/b.jpg', 'this is not a jpeg');
    const notImage = await failure(w.add('f', path.join(w.dir, 'fake')));
    expect(notImage).toMatchObject({ code: 'BAD_FILE', where: fake });
    expect((await failure(w.add('p', w.write('x.parquet', 'PAR1 nope')))).code).toBe('BAD_FILE');
    expectUnchanged(w);
  });
});
