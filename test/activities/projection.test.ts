import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { createAuditActivities } from '../../activities/audit.ts';
import { createProjectionActivities } from '../../activities/projection.ts';
import { createDb } from '../../db/client.ts';
import { createTenant } from '../../db/queries/tenants.ts';
import { auditEvents, syncEvents, syncs } from '../../db/schema.ts';
import type { SyncEvent, SyncStatus } from '../../domain/sync.ts';
import { createTestDb, type TestDb } from '../support/db.ts';
import { syncStatus } from '../fixtures/sync-status.ts';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
  await createTenant(db.db, { id: 'acme', name: 'Acme Ltd', homeCurrency: 'KES' });
});
afterAll(async () => {
  await db?.close();
});

const status = (workflowId: string, over: Partial<SyncStatus> = {}) =>
  syncStatus(workflowId, { tenantId: 'acme', recordType: 'vendor', number: 'VEN-1', actionNeeded: 'Map the account.', ...over });

/** An activity environment whose warnings are kept for the test to read. */
function environment() {
  const logs: LogEntry[] = [];
  const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('WARN', (entry) => logs.push(entry)) });
  return { env, logs };
}

describe('the projection write', () => {
  it('stores text Postgres refuses with the unstorable characters replaced, says so in a warning, and does not throw', async () => {
    const { projectSync } = createProjectionActivities({ db: db.db });
    const { env, logs } = environment();
    const workflowId = 'qbo-sync:acme:vendor:v-nul';
    const events: SyncEvent[] = [
      { seq: 1, at: new Date().toISOString(), kind: 'assigned', message: 'Assigned to clerk\u0000x by \ud800.', actor: 'user:a@b', data: { assignee: 'clerk\u0000x' } },
    ];

    await expect(env.run(projectSync, { status: status(workflowId, { assignee: 'clerk\u0000x', escalatedTo: 'boss\ud800' }), events })).resolves.toBeUndefined();

    const [row] = await db.db.select().from(syncs).where(eq(syncs.workflowId, workflowId));
    expect(row).toMatchObject({ assignee: 'clerk\uFFFDx', escalatedTo: 'boss\uFFFD', state: 'blocked' });
    const [event] = await db.db.select().from(syncEvents).where(eq(syncEvents.workflowId, workflowId));
    expect(event).toMatchObject({ message: 'Assigned to clerk\uFFFDx by \uFFFD.', data: { assignee: 'clerk\uFFFDx' } });
    const warning = logs.find((l) => l.level === 'WARN');
    expect(warning?.message).toMatch(/Postgres refused text in the projection/);
    expect(warning?.meta).toMatchObject({ workflowId, sqlState: '22021' });
  });

  it('stores clean text exactly as given, without a warning', async () => {
    const { projectSync } = createProjectionActivities({ db: db.db });
    const { env, logs } = environment();
    const workflowId = 'qbo-sync:acme:vendor:v-clean';
    await env.run(projectSync, { status: status(workflowId, { assignee: 'Fatuma \ud83d\ude42' }), events: [] });
    const [row] = await db.db.select().from(syncs).where(eq(syncs.workflowId, workflowId));
    expect(row?.assignee).toBe('Fatuma \ud83d\ude42');
    expect(logs).toEqual([]);
  });

  it('still fails (and is retried by Temporal) when the database is not there', async () => {
    const down = createDb({ url: 'postgres://postgres@127.0.0.1:1/none' });
    try {
      const { projectSync } = createProjectionActivities({ db: down.db });
      const { env } = environment();
      await expect(env.run(projectSync, { status: status('qbo-sync:acme:vendor:v-down'), events: [] })).rejects.toThrow();
    } finally {
      await down.close();
    }
  });
});

describe('the audit write of an automatic action', () => {
  it('stores a detail Postgres refuses with the unstorable characters replaced', async () => {
    const { writeAuditEvent } = createAuditActivities({ db: db.db });
    const { env, logs } = environment();
    const target = 'qbo-sync:acme:vendor:v-audit';
    await env.run(writeAuditEvent, { tenantId: 'acme', actor: 'system', action: 'sync.escalate.sla', target, detail: { number: 'VEN\u00001', note: '\udc00' } });
    const [row] = await db.db.select().from(auditEvents).where(eq(auditEvents.target, target));
    expect(row?.detail).toEqual({ number: 'VEN\uFFFD1', note: '\uFFFD' });
    expect(logs.find((l) => l.level === 'WARN')?.meta).toMatchObject({ sqlState: '22P05' });
  });
});
