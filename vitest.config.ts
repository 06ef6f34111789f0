import { defineConfig } from 'vitest/config';

/**
 * The fast tier (`npm run test:fast`, VITEST_NO_SERVERS=1): what needs no Temporal server and no Postgres server —
 * domain rules, the classifier, mappers, client and OAuth against the in-process simulator, the simulator itself,
 * payload and token encryption, pure web pieces, the process supervisor, the replay of every committed history, and
 * the API's routes and the activities against an in-process PGlite, a Temporal client fake and MockActivityEnvironment.
 * `npm test` runs everything, as CI does.
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
  'test/scripts/supervisor.test.ts',
  // The API's routes, the console's help pages and the activities against an in-process PGlite and Temporal fake
  // (test/support/fast-*.ts).
  'test/web/api.test.ts',
  'test/web/help.test.ts',
  'test/activities/activities.test.ts',
  'test/activities/credit.test.ts',
  'test/activities/batch-push.test.ts',
  'test/web/notifications-api.test.ts',
  'test/activities/notify.test.ts',
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
