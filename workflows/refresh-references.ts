import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { ErrorTypes } from '../domain/errors.ts';

export interface RefreshReferencesInput {
  tenantId: string;
  full?: boolean;
}

/**
 * Refreshes a realm's cached QuickBooks lists and flags stale mappings. Run by a Temporal Schedule per realm, and
 * right away when QuickBooks sends a webhook or the tenant (re)connects.
 */
export async function refreshReferences(input: RefreshReferencesInput): Promise<{ mode: string; changed: number; staled: number; restored: number; drifted: number }> {
  const acts = proxyActivities<Activities>({
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '1 minute',
    retry: { initialInterval: '5 seconds', maximumInterval: '2 minutes', maximumAttempts: 5, nonRetryableErrorTypes: [ErrorTypes.QboAuthorization, ErrorTypes.QboRejected] },
  });
  return acts.refreshReferences(input);
}
