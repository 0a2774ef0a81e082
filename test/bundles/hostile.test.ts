import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { invoke } from '../../src/main/engine/dispatch';
import type { Engine } from '../../src/main/engine/engine';
import { DEFAULT_LIMITS } from '../../src/main/engine/bundles/format';
import { tempDir, tempEngine } from '../helpers';

/** Hostile bundles, built as real tar archives with tar-stream's pack: each is refused, nothing changes. */

type Entry = { name: string; data?: Buffer; type?: 'file' | 'symlink' | 'link' | 'directory'; linkname?: string };

async function makeTar(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const parts: Buffer[] = [];
  pack.on('data', (c: unknown) => void parts.push(c as Buffer));
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      const header = { name: e.name, type: e.type ?? 'file', linkname: e.linkname, mode: 0o644 } as Parameters<typeof pack.entry>[0];
      if ((e.type ?? 'file') === 'file') pack.entry({ ...header, size: (e.data ?? Buffer.alloc(0)).length }, e.data ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
      else pack.entry(header, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(parts);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const OBJ = Buffer.from('model weights, pretend');
const H = sha(OBJ);

function manifest(over: Record<string, unknown> = {}, objects = [{ hash: H, size: OBJ.length }], metadata: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      format: 'lathe-bundle',
      formatVersion: 1,
      createdAt: 0,
      createdBy: 'mallory',
      appVersion: '0.1.0',
      objects,
      metadata: { models: [], versions: [], files: [], aliases: [], moves: [], exports: [], experiments: [], runs: [], lineage: [], datasets: [], ...metadata },
      ...over,
    }),
  );
}

let engine: Engine;
let cleanup: () => void;
let dir: string;
let n = 0;

beforeAll(async () => {
  ({ engine, cleanup } = await tempEngine());
  dir = tempDir('lathe-hostile-');
});
afterAll(() => {
  cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  engine.registry.bundles.limits = { ...DEFAULT_LIMITS };
});

function state() {
  return {
    packs: fs.readdirSync(engine.store.packsDir).sort(),
    tmp: fs.readdirSync(engine.store.tmpDir),
    blobs: engine.db.prepare('SELECT count(*) FROM blobs').pluck().get(),
    models: engine.db.prepare('SELECT count(*) FROM models').pluck().get(),
    runs: engine.db.prepare('SELECT count(*) FROM runs').pluck().get(),
  };
}

async function refuses(bytes: Buffer, reason: RegExp): Promise<void> {
  const file = path.join(dir, `b${n++}.tar`);
  fs.writeFileSync(file, bytes);
  const before = state();
  const err = await invoke(engine, 'bundle.import', { file }).then(
    () => null,
    (e: unknown) => e as { code: string; message: string },
  );
  expect(err, 'the bundle was accepted').not.toBeNull();
  expect(err!.code).toBe('BAD_FILE');
  expect(err!.message).toMatch(reason);
  expect(err!.message).toContain('Nothing was changed');
  expect(state()).toEqual(before);
}

const good = (extra: Entry[] = [], m = manifest()) => [{ name: 'manifest.json', data: m }, { name: `objects/${H}`, data: OBJ }, ...extra];

describe('hostile bundles are refused with the reason, and nothing changes', () => {
  it('accepts the well-formed baseline (so the refusals below are about what they change)', async () => {
    const file = path.join(dir, 'good.tar');
    fs.writeFileSync(file, await makeTar(good()));
    const r = await invoke(engine, 'bundle.import', { file, dryRun: true });
    expect(r.objects).toMatchObject({ total: 1, new: 1 });
  });
  it('an entry with ".."', async () => refuses(await makeTar(good([{ name: 'objects/../../etc/passwd', data: OBJ }])), /climbs out with "\.\."/));
  it('an absolute path', async () => refuses(await makeTar(good([{ name: '/etc/passwd', data: OBJ }])), /absolute or drive path/));
  it('a drive path', async () => refuses(await makeTar(good([{ name: 'C:/Windows/evil.dll', data: OBJ }])), /absolute or drive path/));
  it('a backslash', async () => refuses(await makeTar(good([{ name: 'objects\\..\\evil', data: OBJ }])), /backslash/));
  it('a NUL character (long name in a pax header)', async () => refuses(await makeTar(good([{ name: `objects/${'a'.repeat(120)}\u0000.sh`, data: OBJ }])), /NUL or control character/));
  it('a control character', async () => refuses(await makeTar(good([{ name: 'objects/evil\u001b[2J', data: OBJ }])), /NUL or control character/));
  it('a symbolic link', async () => refuses(await makeTar(good([{ name: 'objects/link', type: 'symlink', linkname: '/etc/passwd' }])), /symbolic link/));
  it('a hard link', async () => refuses(await makeTar(good([{ name: 'objects/hard', type: 'link', linkname: 'manifest.json' }])), /hard link/));
  it('a directory entry', async () => refuses(await makeTar(good([{ name: 'objects/dir', type: 'directory' }])), /not a file/));
  it('a duplicate entry', async () => refuses(await makeTar(good([{ name: `objects/${H}`, data: OBJ }])), /appears twice/));
  it('names equal after case folding', async () => refuses(await makeTar(good([{ name: `objects/${H.toUpperCase()}`, data: OBJ }])), /same name after Unicode normalisation or case folding/));
  it('names equal after Unicode normalisation (NFC)', async () =>
    refuses(await makeTar(good([{ name: 'notes/caf\u00e9', data: OBJ }, { name: 'notes/cafe\u0301', data: OBJ }])), /same name after Unicode normalisation/));
  it('an entry the format does not know', async () => refuses(await makeTar(good([{ name: 'run.sh', data: OBJ }])), /not part of the bundle format/));
  it('a truncated archive', async () => {
    const whole = await makeTar(good());
    await refuses(whole.subarray(0, 700), /truncated or corrupt|missing from it|no manifest/);
    const gz = zlib.gzipSync(whole);
    await refuses(gz.subarray(0, Math.floor(gz.length / 2)), /truncated or corrupt/);
  });
  it('a corrupt archive (damaged header checksum)', async () => {
    const bad = Buffer.from(await makeTar(good()));
    bad[5] ^= 0xff; // inside the first header's name: its checksum no longer matches
    await refuses(bad, /truncated or corrupt|not part of the bundle format|must be the first/);
    await refuses(Buffer.from('this is not a tar file at all, just text padded out.'.repeat(40)), /truncated or corrupt|first entry|no manifest/);
  });
  it('a gzip bomb (expansion ratio over the limit), streamed and stopped early', async () => {
    engine.registry.bundles.limits = { ...DEFAULT_LIMITS, maxRatio: 50, ratioGrace: 1024 * 1024 };
    const zeros = Buffer.alloc(32 * 1024 * 1024);
    const tarBytes = await makeTar([{ name: 'manifest.json', data: manifest({}, [{ hash: sha(zeros), size: zeros.length }]) }, { name: `objects/${sha(zeros)}`, data: zeros }]);
    await refuses(zlib.gzipSync(tarBytes, { level: 9 }), /expands more than 50x/);
  });
  it('a total size over the limit', async () => {
    engine.registry.bundles.limits = { ...DEFAULT_LIMITS, maxBytes: 64 * 1024 };
    const big = Buffer.alloc(256 * 1024, 7);
    await refuses(await makeTar([{ name: 'manifest.json', data: manifest({}, [{ hash: sha(big), size: big.length }]) }, { name: `objects/${sha(big)}`, data: big }]), /expands to more than 65536 bytes/);
  });
  it('an object whose bytes do not match its hash', async () => {
    const liar = Buffer.from('model weights, PRETEND'); // same length, other bytes
    await refuses(await makeTar([{ name: 'manifest.json', data: manifest() }, { name: `objects/${H}`, data: liar }]), /do not match its hash/);
  });
  it('an object the manifest does not list, or whose size differs', async () => {
    const other = Buffer.from('x');
    await refuses(await makeTar(good([{ name: `objects/${sha(other)}`, data: other }])), /not listed in the manifest/);
    await refuses(await makeTar([{ name: 'manifest.json', data: manifest({}, [{ hash: H, size: 3 }]) }, { name: `objects/${H}`, data: OBJ }]), /the manifest says 3/);
  });
  it('an unknown format version, or not a bundle at all', async () => {
    await refuses(await makeTar(good([], manifest({ formatVersion: 99 }))), /format version 99 is unknown/);
    await refuses(await makeTar(good([], manifest({ format: 'zip-of-doom' }))), /not a Lathe registry bundle/);
    await refuses(await makeTar([{ name: 'manifest.json', data: Buffer.from('{not json') }]), /not valid JSON/);
  });
  it('metadata referencing objects not in the bundle', async () => {
    const missing = 'f'.repeat(64);
    const m = manifest({}, [{ hash: H, size: OBJ.length }], {
      versions: [{ id: 'a'.repeat(32), model: 'm', number: 1 }],
      files: [{ version_id: 'a'.repeat(32), path: 'model/model.json', blob_hash: missing, size: 10 }],
    });
    await refuses(await makeTar(good([], m)), /references object ffffffffffff .*not in the bundle/);
    await refuses(await makeTar([{ name: 'manifest.json', data: manifest() }]), /missing from it/);
  });
  it('chunk lists that lie (a chunk whose bytes do not match, lengths that do not add up, tiny chunks, an unlisted object)', async () => {
    const big = Buffer.alloc(100 * 1024);
    for (let k = 0; k < big.length; k++) big[k] = (k * 31 + (k >> 9)) & 0xff;
    const HB = sha(big);
    const objs = [{ hash: HB, size: big.length }];
    const entries = (chunks: unknown) => makeTar([{ name: 'manifest.json', data: manifest({ chunks }, objs) }, { name: `objects/${HB}`, data: big }]);
    const a = big.subarray(0, 60 * 1024);
    const b = big.subarray(60 * 1024);
    // Accepted when true (a dry run changes nothing).
    const okFile = path.join(dir, 'chunked-ok.tar');
    fs.writeFileSync(okFile, await entries({ [HB]: [[sha(a), a.length], [sha(b), b.length]] }));
    expect((await invoke(engine, 'bundle.import', { file: okFile, dryRun: true })).objects).toMatchObject({ total: 1, new: 1 });
    // The whole object matches its name, but a claimed chunk hash is wrong.
    await refuses(await entries({ [HB]: [[sha(a), a.length], [sha(a), b.length]] }), /do not match its hash \(chunk 1/);
    await refuses(await entries({ [HB]: [[sha(a), a.length], [sha(b), b.length - 1]] }), /adds up to/);
    await refuses(await entries({ [HB]: [[sha(a), 1024], [sha(b), big.length - 1024]] }), /has a chunk of 1024 bytes/);
    await refuses(await entries({ [HB]: [[sha(big), big.length]], [H]: [[H, OBJ.length]] }), /chunk list for object .* which it does not list/);
    await refuses(await entries({ [HB]: [[sha(big), 300 * 1024]] }), /has a chunk of 307200 bytes|adds up to/);
    // Entries that are not [sha256, whole length >= 1] (checked by hand, not by zod: named the same way).
    const malformed = [[sha(a).toUpperCase(), a.length], [sha(a), 0], [sha(a), 1.5], [sha(a), '61440'], [sha(a), a.length, 'extra'], [sha(a)], sha(a), null, { 0: sha(a), 1: a.length }];
    for (const entry of malformed) {
      await refuses(await entries({ [HB]: [[sha(b), b.length], entry] }), new RegExp(`malformed at chunks\\.${HB}\\.1: a chunk is \\[its sha256`));
    }
  });
  it('a chunk list that lies, on the two-thread hashing path of large bundles', async () => {
    engine.registry.bundles.hashThreadMin = 0;
    try {
      const big = Buffer.alloc(100 * 1024, 3);
      big.write('not all the same', 70_000);
      const HB = sha(big);
      const a = big.subarray(0, 60 * 1024);
      const b = big.subarray(60 * 1024);
      const bytes = await makeTar([{ name: 'manifest.json', data: manifest({ chunks: { [HB]: [[sha(a), a.length], [sha(a), b.length]] } }, [{ hash: HB, size: big.length }]) }, { name: `objects/${HB}`, data: big }]);
      await refuses(bytes, /do not match its hash/);
    } finally {
      engine.registry.bundles.hashThreadMin = 32 * 1024 * 1024;
    }
  });
  it('a manifest that is not first', async () => refuses(await makeTar([{ name: `objects/${H}`, data: OBJ }, { name: 'manifest.json', data: manifest() }]), /must be the first entry/));
});
