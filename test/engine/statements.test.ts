import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/main/engine/engine';
import { lazyStatements, statementSetsOf } from '../../src/main/engine/db/statements';
import { tempEngine } from '../helpers';

/**
 * Repositories prepare their statements on first use (engine/db/statements.ts). So that a typo in a
 * rarely used statement still fails here and not in front of a user, every repository in engine/db is
 * built against a migrated workspace and every one of its statements prepared.
 */

const DB_DIR = path.join(__dirname, '..', '..', 'src', 'main', 'engine', 'db');

let t: { engine: Engine; cleanup: () => void };
beforeAll(async () => {
  t = await tempEngine();
});
afterAll(() => t.cleanup());

describe('lazyStatements', () => {
  it('prepares a statement the first time it is read, once', () => {
    const db = new Database(':memory:');
    try {
      let made = 0;
      const s = lazyStatements(db, {
        one: () => (made++, db.prepare('SELECT 1').pluck()),
        bad: () => (made++, db.prepare('SELECT * FROM no_such_table')),
      });
      expect(made).toBe(0);
      expect(s.one.get()).toBe(1);
      expect(s.one.get()).toBe(1);
      expect(made).toBe(1);
      // A broken statement fails where it is used, with SQLite's message.
      expect(() => s.bad).toThrow(/no such table/);
      expect(Object.keys(s)).toEqual(['one', 'bad']);
    } finally {
      db.close();
    }
  });

  it('every statement of every repository prepares against the migrated schema', async () => {
    const db = t.engine.db;
    for (const file of fs.readdirSync(DB_DIR).filter((f) => /Repo\.ts$/.test(f))) {
      const mod = (await import(path.join(DB_DIR, file))) as Record<string, unknown>;
      for (const value of Object.values(mod)) {
        if (typeof value === 'function' && /^class\s/.test(Function.prototype.toString.call(value)) && value.length === 1) {
          new (value as new (db: unknown) => unknown)(db);
        }
      }
    }
    let prepared = 0;
    for (const set of statementSetsOf(db)) {
      for (const key of Object.keys(set)) {
        expect(() => set[key], key).not.toThrow();
        prepared++;
      }
    }
    // The repositories held about 260 eagerly prepared statements; most are lazy now.
    expect(prepared).toBeGreaterThan(100);
  });
});
