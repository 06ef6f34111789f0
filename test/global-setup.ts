import type { TestProject } from 'vitest/node';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureTemporalCli } from '../scripts/temporal-cli.ts';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

/**
 * One real Temporal dev server for the whole run, from the provisioned CLI (never a download), on a free port so
 * tests can run while `npm start` holds 7233/8233.
 */
export default async function setup(project: TestProject) {
  const cli = ensureTemporalCli();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cli },
      ip: '127.0.0.1',
      log: { format: 'pretty', level: 'error' },
      searchAttributes: SEARCH_ATTRIBUTES,
      extraArgs: ['--dynamic-config-value', 'frontend.enableExecuteMultiOperation=true', '--headless'],
    },
  });
  project.provide('temporalAddress', env.address);
  return async () => {
    await env.teardown();
  };
}
