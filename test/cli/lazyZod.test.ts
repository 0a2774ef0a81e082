import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { z as realZ } from 'zod';
import { LAZY_ZOD } from '../../scripts/build-main.mjs';
import { isUnbuilt, z } from '../../src/main/cli/lazyZod';
import { callNames, contract as realContract } from '../../src/shared/contract';
import { describeContract as realDescribe } from '../../src/shared/contractSchema';

/**
 * The CLI bundle resolves `zod` to src/main/cli/lazyZod.ts (schemas built on first use, for a fast start).
 * Here the contract is bundled the same way (the build's own plugin) and compared with the contract on
 * real zod: every call's input as JSON Schema, and what every input schema makes of a set of probes
 * (values and error messages alike). And the point of it: loading the contract builds almost nothing.
 */

const ROOT = path.resolve(__dirname, '../..');

interface LazyBundle {
  contract: typeof realContract;
  describeContract: typeof realDescribe;
  isUnbuilt: (v: unknown) => boolean;
}

let lazy: LazyBundle;

beforeAll(async () => {
  const out = await build({
    stdin: {
      contents: [
        "export { contract } from './src/shared/contract';",
        "export { describeContract } from './src/shared/contractSchema';",
        "export { isUnbuilt } from './src/main/cli/lazyZod';",
      ].join('\n'),
      resolveDir: ROOT,
      sourcefile: 'lazy-contract-entry.ts',
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
    plugins: [LAZY_ZOD],
  });
  const code = out.outputFiles[0].text;
  expect(code).toContain('src/main/cli/lazyZod.ts'); // the plugin took effect
  const mod = { exports: {} as LazyBundle };
  const file = path.join(ROOT, 'lazy-contract.cjs');
  vm.runInThisContext(`(function (module, exports, require) {${code}\n})`, { filename: file })(mod, mod.exports, createRequire(file));
  lazy = mod.exports;
}, 60_000);

/** Inputs every call's schema is asked about: empty, wrong types, unknown keys, and a few real shapes. */
const PROBES: unknown[] = [
  undefined,
  null,
  {},
  [],
  'runs',
  { nope: 1 },
  { id: 'x' },
  { id: '0123456789abcdef0123456789abcdef' },
  { name: 'penguins' },
  { name: '' },
  { ref: 'penguins@v1' },
  { query: 'metrics.acc > 0.5', limit: 5 },
  { limit: 0 },
  { limit: 'many' },
  { offset: -1, limit: 10 },
  { runId: '0123456789abcdef0123456789abcdef', metrics: [{ key: 'loss', value: 1, step: 0 }] },
  { data: 'penguins', template: 'tabular-mlp', target: 'species' },
  { spec: { data: 'penguins', template: 'tabular-mlp', target: 'species', hyperparameters: { epochs: 3 } } },
  { spec: { data: 'penguins', template: 'image-cnn', hyperparameters: { width: 4 } } },
  { model: 'm', alias: 'champion', version: 2 },
];

const outcome = (schema: { safeParse: (v: unknown) => { success: boolean; data?: unknown; error?: { issues: unknown } } }, v: unknown) => {
  const r = schema.safeParse(v);
  return r.success ? { ok: JSON.stringify(r.data) } : { issues: JSON.parse(JSON.stringify(r.error?.issues)) as unknown };
};

describe('lazy zod in the CLI bundle', () => {
  it('loads the contract without building its schemas', () => {
    const built = callNames.filter((name) => !lazy.isUnbuilt(lazy.contract[name].input));
    // A few inputs are built as the modules load (a spread of another schema's `.shape`, say); almost none.
    expect(built.length).toBeLessThan(callNames.length * 0.05);
    expect(lazy.isUnbuilt(lazy.contract['runs.search'].input)).toBe(true);
    expect(lazy.contract['runs.search'].input.safeParse({}).success).toBe(true);
    expect(lazy.isUnbuilt(lazy.contract['runs.search'].input)).toBe(false);
    expect(lazy.isUnbuilt(lazy.contract['runs.get'].input)).toBe(true);
  });

  it('describes every call exactly as the contract on real zod does', () => {
    expect(lazy.describeContract()).toEqual(realDescribe());
  });

  it('parses every probe of every call the same (data, issues and messages)', () => {
    for (const name of callNames) {
      for (const probe of PROBES) {
        expect({ name, probe, ...outcome(lazy.contract[name].input, probe) }).toEqual({ name, probe, ...outcome(realContract[name].input, probe) });
      }
    }
  });
});

describe('lazyZod stand-ins', () => {
  it('chain, default, extend and refine as zod does, and build only when used', () => {
    const id = z.string().min(2).max(4);
    const obj = z.object({ id, n: z.number().int().default(() => 7) }).strict();
    const ext = obj.extend({ tag: z.enum(['a', 'b']).optional() }).refine((v) => v.id !== 'bad', { message: 'not bad', path: ['id'] });
    expect(isUnbuilt(id) && isUnbuilt(obj) && isUnbuilt(ext)).toBe(true);
    expect(ext.parse({ id: 'ab' })).toEqual({ id: 'ab', n: 7 });
    expect(isUnbuilt(obj)).toBe(false);
    expect(ext.safeParse({ id: 'bad' }).error?.issues[0]).toMatchObject({ message: 'not bad', path: ['id'] });
    expect(ext.safeParse({ id: 'a', x: 1 }).error?.issues.map((i) => i.code)).toEqual(['too_small', 'unrecognized_keys']);
    expect(obj.shape.id).toBe(obj.shape.id);
    expect(obj).toBeInstanceOf(realZ.ZodObject);
    expect(realZ.toJSONSchema(obj as unknown as realZ.ZodType)).toEqual(realZ.toJSONSchema(realZ.object({ id: realZ.string().min(2).max(4), n: realZ.number().int().default(7) }).strict()));
  });

  it('keep getters (recursive schemas) and unions of stand-ins working', () => {
    interface Node {
      name: string;
      children?: Node[];
    }
    const node: realZ.ZodType<Node> = z.object({
      name: z.string(),
      get children() {
        return z.array(node).optional();
      },
    });
    expect(node.parse({ name: 'a', children: [{ name: 'b', children: [] }] })).toEqual({ name: 'a', children: [{ name: 'b', children: [] }] });
    expect(node.safeParse({ name: 'a', children: [{ name: 1 }] }).error?.issues[0].path).toEqual(['children', 0, 'name']);
    const u = z.discriminatedUnion('kind', [z.object({ kind: z.literal('a'), a: z.number() }), z.object({ kind: z.literal('b') })]);
    expect(u.parse({ kind: 'a', a: 1 })).toEqual({ kind: 'a', a: 1 });
    expect(u.safeParse({ kind: 'c' }).success).toBe(false);
  });
});
