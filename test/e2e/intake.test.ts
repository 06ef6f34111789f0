import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { sourceRecords, syncs } from '../../db/schema.ts';
import { syncWorkflowId } from '../../domain/workflow-id.ts';
import { billRecord } from '../fixtures/records.ts';
import { createHarness, eventually, type Harness } from '../support/harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
  const res = await h.api('POST', '/api/v1/tenants', { tenantId: 'acme', name: 'Acme Kenya Ltd', homeCurrency: 'KES' });
  expect(res.status).toBe(201);
});
afterAll(async () => {
  await h?.close();
});

async function waitForState(workflowId: string, state: string, version?: number) {
  return eventually(async () => {
    const res = await h.api('GET', `/api/v1/records/${encodeURIComponent(workflowId)}`);
    return res.status === 200 && res.json.state === state && (version === undefined || res.json.version === version) ? res.json : undefined;
  }, `${workflowId} to reach ${state}`);
}

describe('record intake through the API, a real worker and Temporal', () => {
  it('blocks a bill that is not posted and whose lines do not add up, telling finance what to correct', async () => {
    const record = billRecord({ sourceId: 'bill-bad', status: 'approved', data: { total: 160_000 } });
    const res = await h.api('POST', '/api/v1/records', record);
    expect(res.status).toBe(202);
    expect(res.json.workflowId).toBe('qbo-sync:acme:bill:bill-bad');

    const chain = await waitForState(res.json.workflowId, 'blocked');
    expect(chain.failureClass).toBe('source_data');
    expect(chain.owner).toBe('finance');
    const failed = chain.readiness.filter((c: { ok: boolean }) => !c.ok).map((c: { id: string }) => c.id);
    expect(failed).toEqual(['eligible', 'lines_sum']);
    expect(chain.actionNeeded).toContain('must be posted');
    expect(chain.actionNeeded).toContain('KES 1,500.00 but the total says KES 1,600.00');
    expect(chain.events.map((e: { kind: string }) => e.kind)).toEqual(['version_received', 'blocked']);
    expect(chain.temporalUrl).toContain(encodeURIComponent(res.json.workflowId));

    const [row] = await h.db.db.select().from(syncs).where(eq(syncs.workflowId, res.json.workflowId));
    expect(row?.state).toBe('blocked');
    expect(row?.amountMinor).toBe(160_000);
  });

  it('re-validates when AWRA sends a corrected version of a blocked record', async () => {
    const first = await h.api('POST', '/api/v1/records', billRecord({ sourceId: 'bill-fix', status: 'submitted' }));
    await waitForState(first.json.workflowId, 'blocked');
    const second = await h.api('POST', '/api/v1/records', billRecord({ sourceId: 'bill-fix', version: 2 }));
    expect(second.status).toBe(202);
    expect(second.json.outcome).toBe('accepted');
    const chain = await waitForState(first.json.workflowId, 'blocked', 2);
    expect(chain.readiness.every((c: { ok: boolean }) => c.ok)).toBe(true);
    // Ready now; this tenant has no QuickBooks connection, so an admin owns the next step.
    expect(chain.failureClass).toBe('authorization');
    expect(chain.owner).toBe('admin');
    expect(chain.actionNeeded).toContain('Connect this tenant to QuickBooks');
  });

  it('treats re-submitting the same version as a no-op and refuses the same version with other content', async () => {
    const record = billRecord({ sourceId: 'bill-dup' });
    const a = await h.api('POST', '/api/v1/records', record);
    const b = await h.api('POST', '/api/v1/records', record);
    expect(a.json.outcome).toBe('accepted');
    expect(b.status).toBe(202);
    expect(b.json.outcome).toBe('duplicate');
    const changed = await h.api('POST', '/api/v1/records', billRecord({ sourceId: 'bill-dup', number: 'BILL-OTHER' }));
    expect(changed.status).toBe(409);
    expect(changed.json.error.code).toBe('version_conflict');
    const [{ n }] = (await h.db.db.select({ n: count() }).from(sourceRecords).where(eq(sourceRecords.sourceId, 'bill-dup'))) as [{ n: number }];
    expect(n).toBe(1);
  });

  it('answers 400 with field errors and stores nothing for a malformed record', async () => {
    const bad = billRecord({ sourceId: 'bill-malformed', data: { total: 10.5, txnDate: '2026-02-30' } });
    const res = await h.api('POST', '/api/v1/records', bad);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_record');
    expect(res.json.error.fields).toMatchObject({
      'data.total': expect.stringContaining('whole number'),
      'data.txnDate': expect.stringContaining('calendar date'),
    });
    const rows = await h.db.db.select().from(sourceRecords).where(eq(sourceRecords.sourceId, 'bill-malformed'));
    expect(rows).toHaveLength(0);
  });

  it('refuses unknown tenants, bad JSON and missing or wrong API keys', async () => {
    const unknown = await h.api('POST', '/api/v1/records', billRecord({ tenantId: 'nobody' }));
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.code).toBe('unknown_tenant');
    const notJson = await h.api('POST', '/api/v1/records', '{"tenantId":');
    expect(notJson.status).toBe(400);
    expect(notJson.json.error.code).toBe('invalid_json');
    const noKey = await h.app.request('/api/v1/records/x', {});
    expect(noKey.status).toBe(401);
    const wrongKey = await h.api('GET', '/api/v1/tenants', undefined, { authorization: 'Bearer qsh_wrong' });
    expect(wrongKey.status).toBe(401);
  });

  it('makes the workflow findable in Temporal by record number, with its state as a search attribute', async () => {
    const record = billRecord({ sourceId: 'bill-search', number: 'BILL-SEARCH-77', status: 'approved' });
    await h.api('POST', '/api/v1/records', record);
    const workflowId = syncWorkflowId({ tenantId: 'acme', recordType: 'bill', sourceId: 'bill-search' });
    await waitForState(workflowId, 'blocked');
    const found = await eventually(async () => {
      const hits = [];
      for await (const wf of h.env.client.workflow.list({ query: `RecordNumber = "BILL-SEARCH-77" AND SyncState = "blocked" AND FailureClass = "source_data"` })) {
        hits.push(wf.workflowId);
      }
      return hits.length ? hits : undefined;
    }, 'visibility to index the workflow');
    expect(found).toEqual([workflowId]);
  });

  it('cancels the sync when AWRA voids the record', async () => {
    const first = await h.api('POST', '/api/v1/records', billRecord({ sourceId: 'bill-void', status: 'approved' }));
    await waitForState(first.json.workflowId, 'blocked');
    await h.api('POST', '/api/v1/records', billRecord({ sourceId: 'bill-void', version: 2, status: 'void' }));
    const chain = await waitForState(first.json.workflowId, 'cancelled');
    expect(chain.events.at(-1).message).toContain('voided in AWRA');
  });

  it('keeps a cancelled record cancelled when AWRA re-sends its version, and starts the next run only for a newer one', async () => {
    const first = await h.api('POST', '/api/v1/records', billRecord({ sourceId: 'bill-cancel', status: 'approved' }));
    const id = first.json.workflowId as string;
    await waitForState(id, 'blocked');
    const act = (action: string, body: unknown) => h.api('POST', `/api/v1/records/${encodeURIComponent(id)}/actions/${action}`, body);
    expect((await act('retry', {})).status).toBe(200);
    await eventually(async () => {
      const c = (await h.api('GET', `/api/v1/records/${encodeURIComponent(id)}`)).json;
      return c.state === 'blocked' && c.events.filter((e: { kind: string }) => e.kind === 'blocked').length === 2 ? c : undefined;
    }, 'the retried bill to block again');
    expect((await act('assign', { assignee: 'Wanjiku (AP)' })).status).toBe(200);
    expect((await act('cancel', { reason: 'raised in error' })).status).toBe(200);
    await waitForState(id, 'cancelled');
    const runs = async () => {
      const ids: string[] = [];
      for await (const wf of h.env.client.workflow.list({ query: `WorkflowId = "${id}"` })) ids.push(wf.runId);
      return ids.length;
    };

    // The same version again, or an older one after a newer: a no-op that starts nothing.
    const again = await h.api('POST', '/api/v1/records', billRecord({ sourceId: 'bill-cancel', status: 'approved' }));
    expect(again).toMatchObject({ status: 202, json: { outcome: 'duplicate' } });
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await waitForState(id, 'cancelled')).events.at(-1).kind).toBe('cancelled');
    expect(await runs()).toBe(1);

    // A newer version is AWRA saying the record matters again: the next run, with what the first one learnt.
    await h.api('POST', '/api/v1/records', billRecord({ sourceId: 'bill-cancel', version: 2 }));
    const next = await waitForState(id, 'blocked', 2);
    expect(next).toMatchObject({ failureClass: 'authorization', retryCount: 1, assignee: 'Wanjiku (AP)' });
    const kinds = next.events.map((e: { kind: string }) => e.kind);
    expect(kinds.slice(0, kinds.indexOf('cancelled') + 1)).toEqual(['version_received', 'blocked', 'retry_requested', 'blocked', 'assigned', 'cancelled']);
    expect(kinds.slice(kinds.indexOf('cancelled') + 1)).toEqual(['version_received', 'blocked']);
    await eventually(async () => ((await runs()) === 2 ? true : undefined), 'visibility to list the second run');
    const older = await h.api('POST', '/api/v1/records', billRecord({ sourceId: 'bill-cancel', status: 'approved' }));
    expect(older.json.outcome).toBe('duplicate');
    expect((await waitForState(id, 'blocked', 2)).events).toEqual(next.events);
  });
});

describe('health', () => {
  it('reports Postgres, Temporal and a polling worker', async () => {
    const res = await h.app.request('/healthz');
    const body = (await res.json()) as { checks: Record<string, { ok: boolean }> };
    expect(res.status).toBe(200);
    expect(body.checks.worker!.ok).toBe(true);
    expect(body.checks.postgres!.ok).toBe(true);
  });
});
