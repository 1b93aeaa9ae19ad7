import { defineConfig } from 'vitest/config';

// `npm run test:faults`: the crash tests that take minutes (random SIGKILLs of hosts and engines
// during real training). `.ci/run` runs them after `npm test`.
export default defineConfig({
  test: {
    include: ['src/**/*.faults.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
