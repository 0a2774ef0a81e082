import { z as real } from 'zod';

/**
 * zod for the CLI bundle, with schemas built on first use instead of at start.
 *
 * Why: the contract and src/shared build about 3,000 zod schemas when their modules load, and that was
 * most of a `lathe` command's start (150-200 ms of CPU; `lathe runs list` uses one of them). build-main
 * resolves `zod` to this module in the CLI bundle only (everything else, and the sources run through
 * tsx, use zod itself; test/cli/lazyZod.test.ts checks every contract input against real zod).
 *
 * How: `z.object(...)`, `z.string().min(1)` and the other builders return a stand-in (a Proxy) that
 * records how to build the schema. The first time anything looks at it (parse, `.shape`, `instanceof`,
 * zod's own internals), the real schema is built — from real arguments: stand-ins among a builder's
 * arguments (an object's shape, a union's options) are built first, so real schemas only ever hold
 * real schemas. After that every access goes to the real schema, with methods bound to it.
 * Anything not listed below (z.ZodError, z.toJSONSchema, ...) is zod's own.
 */

type Fn = (...args: unknown[]) => unknown;
type Obj = Record<PropertyKey, unknown>;

/** The z.* functions that return a new schema (the ones src/ uses at module level, and their kin). */
const BUILDERS = new Set([
  'string', 'number', 'boolean', 'bigint', 'date', 'symbol', 'null', 'undefined', 'void', 'any', 'unknown', 'never', 'nan',
  'int', 'literal', 'enum', 'nativeEnum', 'object', 'strictObject', 'looseObject', 'array', 'tuple', 'record', 'partialRecord',
  'map', 'set', 'union', 'discriminatedUnion', 'intersection', 'optional', 'nullable', 'nullish', 'lazy', 'custom',
  'instanceof', 'preprocess', 'pipe', 'promise', 'file', 'templateLiteral', 'json', 'stringbool', 'xor', 'looseRecord',
]);

/** Schema methods that return a new schema: on a stand-in they make another stand-in. */
const CHAINERS = new Set([
  'min', 'max', 'length', 'nonempty', 'int', 'positive', 'negative', 'nonnegative', 'nonpositive', 'finite', 'safe',
  'multipleOf', 'step', 'gt', 'gte', 'lt', 'lte', 'regex', 'includes', 'startsWith', 'endsWith', 'trim', 'normalize',
  'toLowerCase', 'toUpperCase', 'lowercase', 'uppercase', 'email', 'url', 'uuid', 'guid', 'cuid', 'datetime',
  'optional', 'nullable', 'nullish', 'default', 'prefault', 'catch', 'describe', 'refine', 'superRefine', 'check',
  'overwrite', 'transform', 'pipe', 'brand', 'readonly', 'array', 'or', 'and', 'strict', 'strip', 'passthrough', 'loose',
  'extend', 'safeExtend', 'merge', 'pick', 'omit', 'partial', 'required', 'catchall', 'keyof', 'rest', 'exclude', 'extract',
]);

/** Stand-ins made here, and the function that builds (once) each one's real schema. */
const pending = new WeakMap<object, () => object>();
/** Stand-ins whose schema is not built yet. */
const unbuilt = new WeakSet<object>();

function force(value: unknown): unknown {
  const build = typeof value === 'object' && value !== null ? pending.get(value) : undefined;
  return build ? build() : value;
}

function isPlain(value: unknown): value is Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** An argument as zod should get it: stand-ins built, inside arrays and plain objects too (shapes, options).
 * Getters in a shape (zod's way to write a recursive schema) stay getters that return built schemas. */
function realArg(arg: unknown): unknown {
  if (pending.has(arg as object)) return force(arg);
  if (Array.isArray(arg)) return arg.some((a) => pending.has(a as object)) ? arg.map(force) : arg;
  if (!isPlain(arg)) return arg;
  const descriptors = Object.getOwnPropertyDescriptors(arg);
  let changed = false;
  for (const d of Object.values(descriptors)) {
    if (d.get) {
      const get = d.get;
      d.get = function (this: unknown) {
        return force(get.call(this));
      };
      changed = true;
    } else if ('value' in d && pending.has(d.value as object)) {
      d.value = force(d.value);
      changed = true;
    }
  }
  return changed ? Object.create(Object.getPrototypeOf(arg) as object | null, descriptors) : arg;
}

/** A stand-in for the schema `make()` returns. */
function deferred(make: () => unknown): object {
  let built: Obj | undefined;
  const bound = new Map<PropertyKey, unknown>();
  const chained = new Map<PropertyKey, Fn>();
  const target = {};
  const build = (): Obj => {
    if (built === undefined) {
      built = make() as Obj;
      unbuilt.delete(proxy);
    }
    return built;
  };

  const proxy: object = new Proxy(target, {
    get(_t, key) {
      if (built === undefined && typeof key === 'string' && CHAINERS.has(key)) {
        let f = chained.get(key);
        if (!f) {
          f = (...args: unknown[]) => deferred(() => (build()[key] as Fn)(...args.map(realArg)));
          chained.set(key, f);
        }
        return f;
      }
      const schema = build();
      const value = Reflect.get(schema, key, schema);
      if (typeof value !== 'function') return value;
      // Methods run on the real schema (as `this`), never on the stand-in.
      let b = bound.get(key);
      if (!b || (b as { original?: unknown }).original !== value) {
        const fn = value as Fn;
        const m = CHAINERS.has(key as string) ? (...args: unknown[]) => fn.apply(schema, args.map(realArg)) : (...args: unknown[]) => fn.apply(schema, args);
        b = Object.assign(m, { original: value });
        bound.set(key, b);
      }
      return b;
    },
    set: (_t, key, value) => Reflect.set(build(), key, value),
    has: (_t, key) => Reflect.has(build(), key),
    deleteProperty: (_t, key) => Reflect.deleteProperty(build(), key),
    ownKeys: () => Reflect.ownKeys(build()),
    getPrototypeOf: () => Reflect.getPrototypeOf(build()),
    getOwnPropertyDescriptor(t, key) {
      const d = Reflect.getOwnPropertyDescriptor(build(), key);
      // A proxy may only report a non-configurable property its target has: mirror it onto the target.
      if (d && !d.configurable && !Reflect.getOwnPropertyDescriptor(t, key)) Object.defineProperty(t, key, d);
      return d;
    },
    defineProperty: (_t, key, d) => Reflect.defineProperty(build(), key, d),
  });
  pending.set(proxy, build);
  unbuilt.add(proxy);
  return proxy;
}

function lazyZod(z: typeof real): typeof real {
  const out: Obj = {};
  for (const key of Object.keys(z)) {
    const value = (z as unknown as Obj)[key];
    if (BUILDERS.has(key) && typeof value === 'function') {
      const builder = value as Fn;
      out[key] = (...args: unknown[]) => deferred(() => builder(...args.map(realArg)));
    } else if (typeof value === 'function' && /^[a-z]/.test(key)) {
      // z.toJSONSchema(schema), z.parse(schema, x), ...: zod's functions get built schemas.
      const fn = value as Fn;
      out[key] = (...args: unknown[]) => fn(...args.map(force));
    } else {
      Object.defineProperty(out, key, { get: () => (z as unknown as Obj)[key], enumerable: true });
    }
  }
  return out as unknown as typeof real;
}

export const z = lazyZod(real);

/** True for a stand-in whose schema has not been built yet (tests look at how lazy a start is). */
export function isUnbuilt(value: unknown): boolean {
  return typeof value === 'object' && value !== null && unbuilt.has(value);
}
