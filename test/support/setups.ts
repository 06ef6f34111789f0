/**
 * Set-ups that several test files start from: a harness with one tenant that is not connected yet, or one connected
 * tenant whose vendor has synced.
 */
import { expect } from 'vitest';
import { awra } from '../fixtures/awra.ts';
import { createHarness, type Harness } from './harness.ts';
import { connectedTenant, submit, waitFor, type ConnectedTenant } from './tenant.ts';

/** A connected tenant whose vendor `ven-1` has synced, so the bills and purchase orders of a test can name it. */
export async function tenantWithVendor(h: Harness, tenantId: string, vendorName: string): Promise<ConnectedTenant> {
  const t = await connectedTenant(h, tenantId);
  await waitFor(h, await submit(h, awra.vendor(tenantId, 'ven-1', vendorName)), 'synced');
  return t;
}

/** A new harness set up by `setUp`, closed again when that fails so that no worker is left polling. */
async function harnessWith<T>(setUp: (h: Harness) => Promise<T>): Promise<{ h: Harness; set: T }> {
  const h = await createHarness();
  try {
    return { h, set: await setUp(h) };
  } catch (err) {
    await h.close();
    throw err;
  }
}

/** A test file's harness with one tenant created through the API and not connected to QuickBooks. */
export async function harnessWithTenant(tenantId: string, name: string): Promise<Harness> {
  const { h } = await harnessWith(async (h) => {
    expect((await h.api('POST', '/api/v1/tenants', { tenantId, name, homeCurrency: 'KES' })).status).toBe(201);
  });
  return h;
}

/** A test file's harness with one connected tenant whose vendor `ven-1` has synced. */
export async function harnessWithVendor(tenantId: string, vendorName: string): Promise<{ h: Harness; t: ConnectedTenant }> {
  const { h, set } = await harnessWith((h) => tenantWithVendor(h, tenantId, vendorName));
  return { h, t: set };
}
