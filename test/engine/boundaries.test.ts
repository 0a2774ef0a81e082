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

  it('SQL lives only in src/main/engine/db', () => {
    // Statements, pragmas and SQL text in string literals: anywhere else is a leak of the schema.
    const sqlText = /['"`][^'"`]*\b(SELECT\s+[\w*(]|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|UNIQUE|TRIGGER|VIEW)|ALTER\s+TABLE|DROP\s+(TABLE|INDEX))\b/;
    const calls = /\.(prepare|pragma)\(/;
    const leaks: string[] = [];
    for (const file of sourceFiles('src')) {
      if (file.startsWith(path.join('src', 'main', 'engine', 'db') + path.sep)) continue;
      fs.readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (sqlText.test(line) || calls.test(line)) leaks.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)}`);
        });
    }
    expect(leaks, `SQL outside engine/db:\n${leaks.join('\n')}`).toEqual([]);
  });

  it('doors use the engine only through the contract and its door surface', () => {
    // What a door may import from the engine: the entry (createEngine, DoorEngine), dispatch, and
    // process-level helpers that hold no workspace state.
    // (tracking/artifacts: path checks; bundles/keyring: formatFingerprint.)
    const allowed = new Set(['engine', 'dispatch', 'workspace', 'version', 'diskErrors', 'nesting', 'tracking/environment', 'tracking/metricLines', 'tracking/artifacts', 'bundles/keyring']);
    const internals = /\b(engine|e|eng)\.(db|store|tracking|training|sweeps|registry|evaluation|datasets|monitoring|pipelines)\b/;
    const problems: string[] = [];
    for (const door of ['server', 'cli', 'electron']) {
      for (const file of sourceFiles(path.join('src', 'main', door))) {
        for (const spec of importsOf(file)) {
          const m = /(?:^|\/)engine\/(.+)$/.exec(spec);
          if (m && spec.startsWith('.') && !allowed.has(m[1])) problems.push(`${file} imports ${spec}`);
        }
        fs.readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (internals.test(line)) problems.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)}`);
          });
      }
    }
    expect(problems, `doors reaching into the engine:\n${problems.join('\n')}`).toEqual([]);
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
