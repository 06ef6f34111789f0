import { defineConfig } from 'vitest/config';

// VITEST_NO_SERVERS=1 runs only the tests that need neither Temporal nor Postgres (quick local loops).
const noServers = process.env.VITEST_NO_SERVERS === '1';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    globalSetup: noServers ? [] : ['./test/global-setup.ts'],
    pool: 'forks',
    hookTimeout: 120_000,
    testTimeout: 90_000,
    maxWorkers: 2,
  },
});
