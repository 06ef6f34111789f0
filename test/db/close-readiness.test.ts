import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestPeriod } from '../../db/queries/close-readiness.ts';
import { syncs, tenants } from '../../db/schema.ts';
import { createTestDb, type TestDb } from '../support/db.ts';

let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
  await db.db.insert(tenants).values([
    { id: 'dated', name: 'Dated Ltd', homeCurrency: 'KES' },
    { id: 'ahead', name: 'Ahead Ltd', homeCurrency: 'KES' },
    { id: 'empty', name: 'Empty Ltd', homeCurrency: 'KES' },
  ]);
});
afterAll(async () => {
  await db?.close();
});

const dated = (tenantId: string, number: string, txnDate: string | null) => ({
  workflowId: `sync/${tenantId}/bill/${number}`,
  tenantId,
  recordType: 'bill',
  sourceId: number,
  number,
  version: 1,
  state: 'synced',
  seq: 1,
  txnDate,
});

describe('the month close readiness opens on', () => {
  const december = new Date('2026-12-15T09:00:00Z');

  it('opens close readiness on the most recent month that has records', async () => {
    await db.db.insert(syncs).values([dated('dated', 'BILL-1', '2026-10-07'), dated('dated', 'BILL-2', '2026-11-28'), dated('dated', 'BILL-3', null)]);
    expect(await latestPeriod(db.db, 'dated', december)).toBe('2026-11');
  });

  it('does not open on a future month because a record is dated in it, until that month comes', async () => {
    await db.db.insert(syncs).values([dated('ahead', 'BILL-1', '2026-10-07'), dated('ahead', 'BILL-2', '2027-02-01')]);
    expect(await latestPeriod(db.db, 'ahead', december)).toBe('2026-10');
    expect(await latestPeriod(db.db, 'ahead', new Date('2027-02-01T00:00:00Z'))).toBe('2027-02');
  });

  it('opens on the current month when the tenant has no dated records, whatever other tenants have', async () => {
    expect(await latestPeriod(db.db, 'empty', december)).toBe('2026-12');
  });
});
