import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Native modules (better-sqlite3) and worker threads are happiest in forked processes.
    pool: 'forks',
    // vitest's default is cores - 1: one file at a time on a 2-core machine (CI), leaving a core idle
    // whenever a test waits on a child process (the CLI), a worker thread or the disk. Two at a time there.
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
  },
});
