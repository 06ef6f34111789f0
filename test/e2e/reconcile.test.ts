import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { writeAudit } from '../../db/queries/audit.ts';
import { upsertMapping } from '../../db/queries/mappings.ts';
import { storeRecordVersion } from '../../db/queries/records.ts';
import { auditEvents, syncs } from '../../db/schema.ts';
import { awraRecordSchema } from '../../domain/records.ts';
import { reconcile } from '../../workflows/index.ts';
import { awra } from '../fixtures/awra.ts';
import { createApp } from '../../web/app.ts';
import { eventually, type Harness } from '../support/harness.ts';
import { createConsoleUser, signIn } from '../support/console.ts';
import { submit, waitFor, type ConnectedTenant } from '../support/tenant.ts';
import { harnessWithVendor } from '../support/setups.ts';

/** The reconciler repairs by the normal doors: delivering versions, sending missed signals, asking for a projection. */
let h: Harness;
let t: ConnectedTenant;

beforeAll(async () => ({ h, t } = await harnessWithVendor('recon', 'Kericho Tea Ltd')));
afterAll(() => h?.close());

const runReconcile = () => h.env.client.workflow.execute(reconcile, { taskQueue: h.taskQueue, workflowId: `qbo-reconcile-now:recon:${randomUUID()}`, args: [{ tenantId: 'recon', actor: 'test' }] });

describe('the reconciler', () => {
  it('finds nothing to repair in a healthy tenant, and says so in the audit log', async () => {
    const report = await runReconcile();
    expect(report).toEqual({ tenantId: 'recon', versionsDelivered: 0, mappingWakeUps: 0, connectionWakeUps: 0, projectionsRepaired: 0, failures: [] });
    const [row] = await h.db.db.select().from(auditEvents).where(and(eq(auditEvents.tenantId, 'recon'), eq(auditEvents.action, 'tenant.reconcile')));
    expect(row).toMatchObject({ actor: 'test', succeeded: true, detail: expect.objectContaining({ projectionsRepaired: 0 }) });
  });

  it('delivers a version stored in Postgres that never reached its workflow', async () => {
    const record = awraRecordSchema.parse(awra.bill('recon', 'bill-lost', 'BILL-RECON-1', 'ven-1'));
    expect(await storeRecordVersion(h.db.db, record, 'awra')).toBe('stored');
    expect((await runReconcile()).versionsDelivered).toBe(1);
    await waitFor(h, 'qbo-sync:recon:bill:bill-lost', 'synced');
  });

  it('wakes a record waiting on a mapping that is there, whose signal was lost', async () => {
    const po = await submit(h, awra.purchaseOrder('recon', 'po-1', 'PO-RECON-1', 'ven-1', 'itm-late'));
    await waitFor(h, po, 'blocked', (c) => c.failureClass === 'mapping');
    await upsertMapping(h.db.db, { tenantId: 'recon', kind: 'item', sourceKey: 'itm-late', qboId: t.qboId('Item', 'Services'), qboName: 'Services', updatedBy: 'test' });
    expect((await runReconcile()).mappingWakeUps).toBe(1);
    await waitFor(h, po, 'synced');
  });

  it('repairs a projection that disagrees with its workflow by asking the workflow to project itself again', async () => {
    const bill = await submit(h, awra.bill('recon', 'bill-draft', 'BILL-RECON-2', 'ven-1', { status: 'approved' }));
    const blocked = await waitFor(h, bill, 'blocked');
    // Deliberately broken: the projection claims the bill synced.
    await h.db.db.update(syncs).set({ state: 'synced', failureClass: null, owner: null }).where(eq(syncs.workflowId, bill));
    await eventually(async () => ((await runReconcile()).projectionsRepaired === 1 ? true : undefined), 'the reconciler to see the disagreement');
    const repaired = await waitFor(h, bill, 'blocked');
    expect(repaired).toMatchObject({ failureClass: 'source_data', owner: 'finance', actionNeeded: blocked.actionNeeded });
  });

  it('starts again a record whose workflow was terminated while it was at work, keeping its evidence', async () => {
    const bill = await submit(h, awra.bill('recon', 'bill-term', 'BILL-RECON-3', 'ven-1', { status: 'approved' }));
    await waitFor(h, bill, 'blocked');
    await h.db.db.update(syncs).set({ retryCount: 2 }).where(eq(syncs.workflowId, bill));
    await h.env.client.workflow.getHandle(bill).terminate('operator mistake');
    expect((await runReconcile()).projectionsRepaired).toBe(1);
    const again = await waitFor(h, bill, 'blocked', (c) => c.events.filter((e: { kind: string }) => e.kind === 'version_received').length === 2);
    expect(again.retryCount).toBe(2);
  });

  it('lets an admin run it from the Connections page and shows what it found; finance may not', async () => {
    const admin = await signIn(h.app, await createConsoleUser(h, 'admin'));
    const res = await admin.post('/connections/recon/reconcile');
    expect(res.status).toBe(303);
    const page = await (await admin.get('/connections')).text();
    expect(page).toContain('Everything agreed; nothing to repair.');
    expect(page).toContain('Reconcile now');
    const finance = await signIn(h.app, await createConsoleUser(h, 'finance'));
    expect((await finance.post('/connections/recon/reconcile')).status).toBe(403);
    expect(await (await finance.get('/connections')).text()).not.toContain('Reconcile now');
  });

  it('runs through the API for an admin key, with its report in one sentence', async () => {
    const res = await h.api('POST', '/api/v1/tenants/recon/reconcile');
    expect(res).toMatchObject({ status: 200, json: { tenantId: 'recon', failures: [], summary: 'Everything agreed; nothing to repair.' } });
    expect((await h.api('POST', '/api/v1/tenants/nobody/reconcile')).status).toBe(404);
  });

  it('exports what the last run repaired to /metrics', async () => {
    await writeAudit(h.db.db, { tenantId: 'recon', actor: 'test', action: 'tenant.reconcile', detail: { versionsDelivered: 3, mappingWakeUps: 0, connectionWakeUps: 0, projectionsRepaired: 1 } });
    const metricsToken = 'metrics-token-for-reconcile-test';
    const app = createApp({ ...h.deps, metricsToken });
    const text = await (await app.request('/metrics', { headers: { authorization: `Bearer ${metricsToken}` } })).text();
    expect(text).toContain('qsh_reconcile_last_repairs{tenant="recon",kind="versionsDelivered"} 3');
    expect(text).toMatch(/qsh_reconcile_last_run_timestamp_seconds\{tenant="recon"\} \d+/);
    expect(text).toMatch(/^# HELP qsh_outbox_pending/m);
  });
});
