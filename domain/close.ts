import type { SyncState } from './vocabulary.ts';

export interface CloseSummary {
  synced: number;
  blocked: number;
  /** Not finished and not waiting for a person: queued (stored, not started), validating, syncing, retrying… */
  inProgress: number;
  cancelled: number;
  /** Records whose sync still works on an older version than the newest AWRA sent. */
  behind: number;
  /** Records whose QuickBooks entity changed there after the sync and wait for finance to decide whose version stands. */
  drifted: number;
  /**
   * Every record dated in the period is in QuickBooks (synced or linked) or cancelled, on its newest version, and
   * nothing was changed in QuickBooks after its sync without a decision.
   */
  ready: boolean;
}

/** The one rule for "this month is ready to close", for the console, the API and the CSV alike. */
export function closeSummary(r: { total: number; byState: ReadonlyArray<{ state: SyncState; records: number }>; behind: number; drifted?: number }): CloseSummary {
  const n = (states: readonly SyncState[]) => r.byState.filter((s) => states.includes(s.state)).reduce((t, s) => t + s.records, 0);
  const synced = n(['synced', 'linked']);
  const blocked = n(['blocked']);
  const cancelled = n(['cancelled']);
  const drifted = r.drifted ?? 0;
  return {
    synced,
    blocked,
    inProgress: r.total - synced - blocked - cancelled,
    cancelled,
    behind: r.behind,
    drifted,
    ready: r.total > 0 && synced + cancelled === r.total && r.behind === 0 && drifted === 0,
  };
}
