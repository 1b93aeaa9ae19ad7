import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'bench/**/*.test.ts'],
    // The minutes-long crash tests have their own script: npm run test:faults (vitest.faults.config.ts).
    exclude: ['**/node_modules/**', 'src/**/*.faults.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: tests that train real models are heavy, keep them from starving each other.
    maxWorkers: 2,
  },
});
