import { asc, eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { tenants, type Tenant } from '../schema.ts';

export async function getTenant(db: Db, id: string): Promise<Tenant | undefined> {
  const [row] = await db.select().from(tenants).where(eq(tenants.id, id));
  return row;
}

export async function listTenants(db: Db): Promise<Tenant[]> {
  return db.select().from(tenants).orderBy(asc(tenants.id));
}

/** Creates a tenant; false when the id is taken. */
export async function createTenant(db: Db, t: { id: string; name: string; homeCurrency: string; slaSeconds?: number }): Promise<boolean> {
  const rows = await db.insert(tenants).values(t).onConflictDoNothing().returning({ id: tenants.id });
  return rows.length > 0;
}
