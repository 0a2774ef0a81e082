import type { Db } from './connection';

/**
 * A repository's prepared statements, each prepared the first time it is used. The repositories hold
 * about 260 statements and every engine builds all of them, while a command runs a few dozen
 * (`lathe runs list` about 45): preparing on first use keeps a short command's start short. Once
 * prepared, a statement is a plain property (no getter on later reads).
 *
 * SQL errors still show when the statement is first used; test/engine/statements.test.ts prepares every
 * statement of every repository against the migrated schema (`statementSetsOf`), so a typo in a rarely
 * used one fails a test rather than a user.
 */

// Factories return `unknown` here, not Statement: as a contextual return type, Statement would make
// db.prepare infer its bind parameters as [{}] instead of its default (any number of arguments).
type Defs = Record<string, () => unknown>;
type Prepared<T extends Defs> = { readonly [K in keyof T]: ReturnType<T[K]> };

const sets = new WeakMap<Db, Set<Record<string, unknown>>>();

export function lazyStatements<T extends Defs>(db: Db, defs: T): Prepared<T> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(defs)) {
    Object.defineProperty(out, key, {
      configurable: true,
      enumerable: true,
      get() {
        const statement = defs[key]();
        Object.defineProperty(out, key, { value: statement, enumerable: true });
        return statement;
      },
    });
  }
  let known = sets.get(db);
  if (!known) sets.set(db, (known = new Set()));
  known.add(out);
  return out as Prepared<T>;
}

/** Every statement set made for `db` (tests read each property to prepare them all). */
export function statementSetsOf(db: Db): Record<string, unknown>[] {
  return [...(sets.get(db) ?? [])];
}
