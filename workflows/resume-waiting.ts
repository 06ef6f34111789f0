import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

export interface ResumeWaitingInput {
  tenantId: string;
  kind: string;
  key: string;
}

/**
 * After an admin set a mapping: tells every record waiting on it to continue. Started by the mapping PUT (API and
 * console), which answers at once instead of holding the request while thousands of workflows are signalled, and
 * durable, so a web process restarted in the middle leaves no record waiting on a mapping that now exists. The
 * activity heartbeats while it signals (worker/keep-alive.ts); a retry signals again, which is harmless: a record told
 * twice re-checks its mappings once more at worst.
 */
export async function resumeWaitingOnMapping(input: ResumeWaitingInput): Promise<number> {
  const acts = proxyActivities<Activities>({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
  });
  return acts.signalWaitingOnMapping(input);
}
