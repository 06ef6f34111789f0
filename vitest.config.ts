import { defineConfig } from 'vitest/config';

/**
 * The fast tier (`npm run test:fast`, VITEST_NO_SERVERS=1): what needs neither Temporal nor Postgres — domain rules,
 * the classifier, mappers, client and OAuth against the in-process simulator, the simulator itself, payload and token
 * encryption, pure web pieces, and the replay of every committed history. `npm test` runs everything, as CI does.
 */
const FAST = [
  'test/domain/**/*.test.ts',
  'test/qbo/**/*.test.ts',
  'test/simulator/**/*.test.ts',
  'test/workflows/**/*.test.ts',
  'test/runtime/secrets.test.ts',
  'test/runtime/payload-codec.test.ts',
  'test/web/console-static.test.ts',
  'test/web/read-cache.test.ts',
  'test/web/sign-in-rules.test.ts',
];
const fast = process.env.VITEST_NO_SERVERS === '1';

export default defineConfig({
  test: {
    include: fast ? FAST : ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    globalSetup: fast ? [] : ['./test/global-setup.ts'],
    pool: 'forks',
    hookTimeout: 120_000,
    testTimeout: 90_000,
    maxWorkers: 2,
  },
});
