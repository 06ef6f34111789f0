import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { markMissingRefsDeleted, upsertRefs } from '../../db/queries/refs.ts';
import { qboRefs, tenants } from '../../db/schema.ts';
import { createTestDb, type TestDb } from '../support/db.ts';

let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
  await db.db.insert(tenants).values({ id: 'refs', name: 'Refs Ltd', homeCurrency: 'KES' });
});
afterAll(async () => {
  await db?.close();
});

const status = async (qboId: string) =>
  (await db.db.select({ status: qboRefs.status }).from(qboRefs).where(and(eq(qboRefs.tenantId, 'refs'), eq(qboRefs.entity, 'Vendor'), eq(qboRefs.qboId, qboId))))[0]?.status;
const vendor = (qboId: string, name: string) => ({ entity: 'Vendor', qboId, name, active: true, status: 'active' as const });

describe('a full load marking the refs QuickBooks no longer returned', () => {
  it('marks a ref it did not see as deleted, but not one cached by someone else after the load began', async () => {
    await upsertRefs(db.db, 'refs', [vendor('1', 'Seen Ltd'), vendor('2', 'Gone Ltd')]);
    await new Promise((r) => setTimeout(r, 5));
    const loadStartedAt = new Date();
    await new Promise((r) => setTimeout(r, 5));
    // A vendor created in QuickBooks after this load read its pages, cached meanwhile by a concurrent load or CDC.
    await upsertRefs(db.db, 'refs', [vendor('3', 'Just Synced Ltd')]);
    const marked = await markMissingRefsDeleted(db.db, 'refs', 'Vendor', ['1'], loadStartedAt);
    expect(marked).toBe(1);
    expect(await status('1')).toBe('active');
    expect(await status('2')).toBe('deleted');
    expect(await status('3')).toBe('active');
  });
});
