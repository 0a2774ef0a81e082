import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/main/engine/engine';
import { tempDir } from '../helpers';

function writeBigCsv(file: string, rows: number): void {
  const fd = fs.openSync(file, 'w');
  const lines: string[] = ['id,a,b,c'];
  for (let i = 0; i < rows; i++) {
    lines.push(`${i},${(i * 2654435761) % 100000},w${i % 1000},${i / 7}`);
    if (lines.length === 50_000) {
      fs.writeSync(fd, lines.join('\n') + '\n');
      lines.length = 0;
    }
  }
  fs.writeSync(fd, lines.join('\n') + '\n');
  fs.closeSync(fd);
}

describe('crash safety', () => {
  it('a process killed mid-import leaves no partial version, and the next start cleans up', async () => {
    const dir = tempDir('lathe-crash-');
    try {
      const home = path.join(dir, 'home');
      const file = path.join(dir, 'big.csv');
      writeBigCsv(file, 1_500_000);
      const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/datasets/importChild.ts'), home, file], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      const killed = await new Promise<string>((resolve) => {
        child.stdout.on('data', (d: Buffer) => {
          output += d.toString();
          // Kill once chunks are being written into the temp pack: the worst moment.
          if (output.includes('"phase":"chunking"') && !child.killed) {
            const done = output.split('\n').filter((l) => l.includes('"phase":"chunking"')).length;
            if (done >= 2) child.kill('SIGKILL');
          }
        });
        child.on('exit', (_code, signal) => resolve(signal ?? 'exited'));
      });
      expect(output).not.toContain('IMPORT-FINISHED');
      expect(killed).toBe('SIGKILL');
      expect(fs.readdirSync(path.join(home, 'tmp')).length).toBeGreaterThan(0);

      const engine = await createEngine({ home, sample: false });
      try {
        expect(await engine['datasets.list']({})).toEqual([]);
        expect(engine.db.prepare('SELECT count(*) FROM dataset_versions').pluck().get()).toBe(0);
        expect(fs.readdirSync(path.join(home, 'tmp'))).toEqual([]);
        const doctor = await engine['store.doctor']({});
        expect(doctor.ok).toBe(true);
        expect(doctor.tempFilesRemoved).toBeGreaterThan(0);
        const again = await engine['datasets.add']({ name: 'big', path: file, message: '' });
        expect(again.version.rowCount).toBe(1_500_000);
      } finally {
        engine.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
