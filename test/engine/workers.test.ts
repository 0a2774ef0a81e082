import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LatheError } from '../../src/shared/errors';
import { resolveWorkerEntry, runWorkerAt, WorkerStartError, workerResourceLimits, type RunWorkerOptions } from '../../src/main/engine/workers/runWorker';
import { WORKER_ENTRIES } from '../../src/main/engine/workers/protocol';
import type { TestJob } from './fixtures/testJob.worker';

const fixture = { file: path.resolve('test/engine/fixtures/testJob.worker.ts'), viaTsx: true };
const run = <T>(job: TestJob, opts: RunWorkerOptions<number> = {}) => runWorkerAt<TestJob, T, number>(fixture, job, opts, 'test');

async function rejection(p: Promise<unknown>): Promise<LatheError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LatheError);
    return e as LatheError;
  }
  throw new Error('expected a rejection');
}

describe('runWorker', () => {
  it('every shipped entry resolves to a file that exists (sources: <name>.worker.ts)', () => {
    for (const name of WORKER_ENTRIES) {
      const where = resolveWorkerEntry(name);
      expect(where.file.endsWith(`${name}.worker.ts`)).toBe(true);
      expect(fs.existsSync(where.file)).toBe(true);
    }
  });

  it('returns the result and forwards progress in order', async () => {
    const seen: number[] = [];
    const r = await run<{ doubled: number }>({ mode: 'echo', value: 21, steps: 5 }, { onProgress: (n) => void seen.push(n) });
    expect(r).toEqual({ doubled: 42 });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('moves large buffers out of the worker', async () => {
    const r = await run<Uint8Array>({ mode: 'bytes', length: 1 << 20 });
    expect(r.byteLength).toBe(1 << 20);
    expect(r[12345]).toBe(7);
  });

  it('an error thrown in the worker arrives as the same LatheError', async () => {
    const e = await rejection(run({ mode: 'lathe-error' }));
    expect(e.toJSON()).toEqual({ code: 'BAD_FILE', message: 'x.csv: line 3 is broken', where: 'x.csv:3', hint: 'fix line 3' });
    const plain = await rejection(run({ mode: 'plain-error' }));
    expect(plain).toMatchObject({ code: 'INTERNAL', message: 'boom' });
  });

  it('a worker that dies mid-job rejects with INTERNAL and its exit code', async () => {
    const e = await rejection(run({ mode: 'exit', code: 3 }));
    expect(e).not.toBeInstanceOf(WorkerStartError);
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toContain('exit code 3');
  });

  it('aborting terminates the worker and rejects with the reason', async () => {
    const ac = new AbortController();
    const p = run({ mode: 'hang' }, { signal: ac.signal, onProgress: () => ac.abort(new LatheError('CONFLICT', 'stopped by the test')) });
    const e = await rejection(p);
    expect(e).toMatchObject({ code: 'CONFLICT', message: 'stopped by the test' });
  });

  it('a runaway worker stops at its heap limit with an error; the process and the next job are fine', async () => {
    const e = await rejection(run({ mode: 'grow' }, { resourceLimits: { maxOldGenerationSizeMb: 64 } }));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toMatch(/ran out of memory \(its heap limit is 64 MB\)/);
    expect(await run<{ doubled: number }>({ mode: 'echo', value: 1, steps: 0 })).toEqual({ doubled: 2 });
  });

  it('every worker gets a heap limit by default (LATHE_WORKER_HEAP_MB overrides it)', () => {
    expect(workerResourceLimits().maxOldGenerationSizeMb).toBeGreaterThanOrEqual(512);
    process.env.LATHE_WORKER_HEAP_MB = '300';
    try {
      expect(workerResourceLimits().maxOldGenerationSizeMb).toBe(300);
    } finally {
      delete process.env.LATHE_WORKER_HEAP_MB;
    }
  });

  it('a worker that cannot start rejects with WorkerStartError', async () => {
    const missing = await rejection(runWorkerAt({ file: path.resolve('test/engine/fixtures/nope.worker.ts'), viaTsx: true }, {}));
    expect(missing).toBeInstanceOf(WorkerStartError);
    const broken = path.resolve('test/engine/fixtures/broken.worker.cjs');
    fs.writeFileSync(broken, 'require("./no-such-module-here");\n');
    try {
      expect(await rejection(runWorkerAt({ file: broken }, {}))).toBeInstanceOf(WorkerStartError);
    } finally {
      fs.rmSync(broken, { force: true });
    }
  });
});
