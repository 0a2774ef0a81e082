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

/** What a stand-in knows: how to build its schema, and once built, the schema and its bound methods. */
interface Pending {
  make: (() => unknown) | undefined;
  built: Obj | undefined;
  bound: Map<PropertyKey, Fn & { original: unknown }> | undefined;
}

/** Every stand-in made here, and its state. (A stand-in is a Proxy whose target is its state: one
 * small object and one shared handler each, as thousands are made at start.) */
const pending = new WeakMap<object, Pending>();

function build(p: Pending): Obj {
  if (p.built === undefined) {
    const make = p.make as () => unknown;
    p.make = undefined;
    p.built = make() as Obj;
  }
  return p.built;
}

function force(value: unknown): unknown {
  const p = typeof value === 'object' && value !== null ? pending.get(value) : undefined;
  return p ? build(p) : value;
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

/** Methods run on the real schema (as `this`), never on the stand-in; schema-building ones get built arguments. */
function boundMethod(p: Pending, schema: Obj, key: PropertyKey, fn: Fn): Fn {
  p.bound ??= new Map();
  let b = p.bound.get(key);
  if (!b || b.original !== fn) {
    const m: Fn = typeof key === 'string' && CHAINERS.has(key) ? (...args) => fn.apply(schema, args.map(realArg)) : (...args) => fn.apply(schema, args);
    b = Object.assign(m, { original: fn });
    p.bound.set(key, b);
  }
  return b;
}

const handler: ProxyHandler<Pending> = {
  get(p, key) {
    if (p.built === undefined && typeof key === 'string' && CHAINERS.has(key)) {
      return (...args: unknown[]) => deferred(() => (build(p)[key] as Fn)(...args.map(realArg)));
    }
    const schema = build(p);
    const value = Reflect.get(schema, key, schema);
    return typeof value === 'function' ? boundMethod(p, schema, key, value as Fn) : value;
  },
  set: (p, key, value) => Reflect.set(build(p), key, value),
  has: (p, key) => Reflect.has(build(p), key),
  deleteProperty: (p, key) => Reflect.deleteProperty(build(p), key),
  ownKeys: (p) => Reflect.ownKeys(build(p)),
  getPrototypeOf: (p) => Reflect.getPrototypeOf(build(p)),
  getOwnPropertyDescriptor(p, key) {
    const d = Reflect.getOwnPropertyDescriptor(build(p), key);
    // A proxy may only report a non-configurable property its target has: mirror it onto the target.
    if (d && !d.configurable && !Reflect.getOwnPropertyDescriptor(p, key)) Object.defineProperty(p, key, d);
    return d;
  },
  defineProperty: (p, key, d) => Reflect.defineProperty(build(p), key, d),
};

/** A stand-in for the schema `make()` returns. */
function deferred(make: () => unknown): object {
  const p: Pending = { make, built: undefined, bound: undefined };
  const proxy = new Proxy(p, handler);
  pending.set(proxy, p);
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
  const p = typeof value === 'object' && value !== null ? pending.get(value) : undefined;
  return p !== undefined && p.built === undefined;
}
