import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { awra } from '../fixtures/awra.ts';
import { exportHistory, type Harness } from '../support/harness.ts';
import { submit, waitFor, type ConnectedTenant } from '../support/tenant.ts';
import { harnessWithVendor } from '../support/setups.ts';

/**
 * A new record's clean sync is one activity (workflows/sync-record/clean.ts): prepare, duplicate lookup, push,
 * projection and dependants, with the workflow taking the status the activity wrote. What must hold: the record's
 * timeline and evidence read as they did step by step, Temporal's history is short, retries keep one requestid,
 * and a failure blocks the record the way the push step does.
 */
let h: Harness;
let t: ConnectedTenant;

beforeAll(async () => ({ h, t } = await harnessWithVendor('lean', 'Kisumu Paper Ltd')));
afterAll(() => h?.close());

const ledger = (docNumber: string) => h.sim.sim.ledger({ realmId: t.realmId, entity: 'Bill', docNumber });
const EventType = temporal.api.enums.v1.EventType;

async function historyOf(workflowId: string) {
  const history = await h.env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).map((e) => EventType[e.eventType ?? 0]!.replace('EVENT_TYPE_', ''));
}

describe('the clean path of a new record', () => {
  it('syncs a bill in one activity: twelve history events, the same timeline and evidence as step by step', async () => {
    const id = await submit(h, awra.bill('lean', 'bill-clean', 'BILL-LEAN-1', 'ven-1'));
    const synced = await waitFor(h, id, 'synced');
    expect(synced.events.map((e: { kind: string }) => e.kind)).toEqual(['version_received', 'push', 'synced']);
    expect(synced.attempts).toHaveLength(1);
    expect(synced.attempts[0]).toMatchObject({ class: 'accepted', attemptNo: 1 });
    expect(synced.events[1].data.requestId).toBe(synced.attempts[0].requestId);
    expect(synced.readiness.length).toBeGreaterThan(0);
    expect(synced.mappings.every((m: { ok: boolean }) => m.ok)).toBe(true);
    expect(synced).toMatchObject({ number: 'BILL-LEAN-1', version: 1, retryCount: 0, failureClass: null, owner: null, actionNeeded: null });
    expect(ledger('BILL-LEAN-1')).toHaveLength(1);

    const handle = h.env.client.workflow.getHandle(id);
    await handle.result();
    const types = await historyOf(id);
    expect(types).toEqual([
      'WORKFLOW_EXECUTION_STARTED',
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
      'WORKFLOW_TASK_COMPLETED',
      'ACTIVITY_TASK_SCHEDULED',
      'ACTIVITY_TASK_STARTED',
      'ACTIVITY_TASK_COMPLETED',
      'WORKFLOW_TASK_SCHEDULED',
      'WORKFLOW_TASK_STARTED',
      'WORKFLOW_TASK_COMPLETED',
      'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES',
      'WORKFLOW_EXECUTION_COMPLETED',
    ]);
    // Engineers still find it by state and number in the Temporal UI.
    const d = await handle.describe();
    expect(d.searchAttributes).toMatchObject({ SyncState: ['synced'], RecordNumber: ['BILL-LEAN-1'] });
    await exportHistory(h, id, 'bill-synced-clean-path');
  });

  it('shows retries while Temporal retries the same request, and posts once', async () => {
    h.sim.sim.injectFault({ realmId: t.realmId, kind: 'http5xx', status: 503, path: '/bill', method: 'POST', count: 2 });
    const id = await submit(h, awra.bill('lean', 'bill-5xx', 'BILL-LEAN-2', 'ven-1'));
    const synced = await waitFor(h, id, 'synced');
    expect(synced.retryCount).toBe(2);
    expect(synced.attempts).toHaveLength(3);
    expect(new Set(synced.attempts.map((a: { requestId: string }) => a.requestId)).size).toBe(1);
    expect(synced.events.map((e: { kind: string }) => e.kind)).toEqual(['version_received', 'push', 'retrying', 'retrying', 'synced']);
    expect(synced.events.at(-1).message).toContain('after 2 automatic retries');
    expect(ledger('BILL-LEAN-2')).toHaveLength(1);
    await exportHistory(h, id, 'three-5xx-then-synced-clean-path');
  });

  it('adopts the entity a lost answer created instead of posting twice', async () => {
    h.sim.sim.injectFault({ realmId: t.realmId, kind: 'drop_after_commit', path: '/bill', method: 'POST', count: 1 });
    const id = await submit(h, awra.bill('lean', 'bill-lost', 'BILL-LEAN-3', 'ven-1'));
    const synced = await waitFor(h, id, 'synced');
    expect(synced.attempts[0]).toMatchObject({ class: 'outcome_uncertain', httpStatus: 0 });
    expect(ledger('BILL-LEAN-3')).toHaveLength(1);
    expect(synced.externalRef.qboId).toBe(String(ledger('BILL-LEAN-3')[0]!.Id));
    expect(synced.events.at(-1).message).toContain('adopted');
    await exportHistory(h, id, 'lost-response-adopted-clean-path');
  });

  it('blocks a rejected bill the way the push step does, once in its timeline', async () => {
    h.sim.sim.setPreferences(t.realmId, { closingDate: '2026-10-31' });
    try {
      // Readiness does not know of the closing date yet (company settings are cached): QuickBooks refuses it.
      const id = await submit(h, awra.bill('lean', 'bill-closed', 'BILL-LEAN-4', 'ven-1', { txnDate: '2026-10-20' }));
      const blocked = await waitFor(h, id, 'blocked');
      expect(blocked.failureClass === 'provider_rejection' || blocked.failureClass === 'source_data').toBe(true);
      const kinds = blocked.events.map((e: { kind: string }) => e.kind);
      expect(kinds.filter((k: string) => k === 'version_received')).toHaveLength(1);
      expect(kinds.at(-1)).toBe('blocked');
      if (blocked.failureClass === 'provider_rejection') {
        expect(blocked.attempts.at(-1)).toMatchObject({ code: '6210', class: 'provider_rejection' });
        expect(kinds.filter((k: string) => k === 'push')).toHaveLength(1);
        await exportHistory(h, id, 'closed-period-rejected-clean-path');
      }
      expect(ledger('BILL-LEAN-4')).toHaveLength(0);
    } finally {
      h.sim.sim.setPreferences(t.realmId, { closingDate: null });
    }
  });

  it('leaves a record that is not plainly clean to the steps, with nothing sent twice', async () => {
    const id = await submit(h, awra.bill('lean', 'bill-novendor', 'BILL-LEAN-5', 'ven-unknown'));
    const blocked = await waitFor(h, id, 'blocked');
    expect(blocked.failureClass).toBe('mapping');
    expect(blocked.events.map((e: { kind: string }) => e.kind)).toEqual(['version_received', 'blocked']);
    expect(blocked.attempts).toHaveLength(0);
  });
});
