import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json';
import { MIGRATIONS, migrate } from '../../src/main/engine/db/migrations';
import { APP_VERSION } from '../../src/main/engine/version';
import Database from 'better-sqlite3';

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? sourceFiles(p) : /\.tsx?$/.test(d.name) ? [p] : [];
  });
}

const importsOf = (file: string) => [...fs.readFileSync(file, 'utf8').matchAll(/^\s*import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]);

describe('architecture boundaries', () => {
  it('src/shared imports nothing from Node, Electron or React', () => {
    for (const file of sourceFiles('src/shared')) {
      for (const spec of importsOf(file)) {
        expect(spec.startsWith('.') || spec === 'zod', `${file} imports ${spec}`).toBe(true);
      }
    }
  });

  it('the engine never imports Electron or the renderer', () => {
    for (const file of sourceFiles('src/main/engine')) {
      for (const spec of importsOf(file)) {
        expect(spec === 'electron' || spec.includes('renderer'), `${file} imports ${spec}`).toBe(false);
      }
    }
  });

  it('keeps the app version in step with package.json', () => {
    expect(APP_VERSION).toBe(pkg.version);
  });
});

describe('migrations', () => {
  it('are numbered 1..N without gaps', () => {
    expect(MIGRATIONS.map((m) => m.id)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('record their hash and refuse a workspace whose applied migration was edited', () => {
    const db = new Database(':memory:');
    migrate(db);
    const rows = db.prepare('SELECT id, sha256 FROM schema_migrations').all() as { id: number; sha256: string }[];
    expect(rows).toHaveLength(MIGRATIONS.length);
    db.prepare('UPDATE schema_migrations SET sha256 = ? WHERE id = 1').run('0'.repeat(64));
    expect(() => migrate(db)).toThrow(/differs/);
  });
});
