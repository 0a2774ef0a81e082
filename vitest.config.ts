import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    // Generous: two files share two cores (see maxWorkers), and no test asserts a duration.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Native modules (better-sqlite3) and worker threads are happiest in forked processes.
    pool: 'forks',
    // Vitest's default on 2 cores is one fork, so the suite ran one file at a time while its files spend
    // much of their time waiting on worker threads, child processes and fsync. Two forks overlap that.
    maxWorkers: 2,
  },
});
