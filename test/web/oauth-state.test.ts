import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { oauthStates } from '../../db/schema.ts';
import type { Harness } from '../support/harness.ts';
import { harnessWithTenant } from '../support/setups.ts';
import { cookieValue } from '../support/console.ts';

let h: Harness;

beforeAll(async () => {
  h = await harnessWithTenant('kuku', 'Kuku Farms Ltd');
});
afterAll(() => h?.close());

/** Starts "Connect QuickBooks" through the API; `headers` as a proxy in front of the app would add them. */
async function authorize(headers: Record<string, string> = {}) {
  const res = await h.app.request('/api/v1/connections/kuku/authorize', { method: 'POST', headers: { authorization: `Bearer ${h.apiKey}`, ...headers } });
  expect(res.status).toBe(200);
  const { authorizeUrl } = (await res.json()) as { authorizeUrl: string };
  return { res, authorizeUrl, nonce: cookieValue(res, 'qsh_oauth')!, state: new URL(authorizeUrl).searchParams.get('state')! };
}

/** The person consents at the simulator; answers the query string QuickBooks sends the browser back with. */
async function consent(authorizeUrl: string): Promise<string> {
  const res = await fetch(authorizeUrl, { redirect: 'manual' });
  return new URL(res.headers.get('location')!).search;
}

const callback = (search: string, nonce: string) => h.app.request(`/connections/callback${search}`, { headers: { cookie: `qsh_oauth=${nonce}` } });

describe('the OAuth callback state', () => {
  it('lets exactly one of several simultaneous callbacks with the same state proceed', async () => {
    const { authorizeUrl, nonce } = await authorize();
    const search = await consent(authorizeUrl);
    // Open connections enough for every callback, so their state checks really run at the same time.
    await Promise.all(Array.from({ length: 8 }, () => h.db.sql`select pg_sleep(0.05)`));
    const answers = await Promise.all(Array.from({ length: 4 }, () => callback(search, nonce)));
    expect(answers.map((r) => r.status).sort()).toEqual([302, 403, 403, 403]);
    expect(answers.find((r) => r.status === 302)!.headers.get('location')).toBe('/connections?connected=kuku');
    expect((await callback(search, nonce)).status).toBe(403);
  });

  it('refuses a callback with another browser\'s cookie without spending the state of the browser that started it', async () => {
    const { authorizeUrl, nonce } = await authorize();
    const search = await consent(authorizeUrl);
    const forged = await Promise.all([callback(search, 'someone-elses-nonce'), callback(search, '')]);
    expect(forged.map((r) => r.status)).toEqual([403, 403]);
    expect((await callback(search, nonce)).status).toBe(302);
  });

  it('refuses an expired state', async () => {
    const { authorizeUrl, nonce, state } = await authorize();
    const search = await consent(authorizeUrl);
    await h.db.db.update(oauthStates).set({ expiresAt: new Date(Date.now() - 1_000) }).where(eq(oauthStates.state, state));
    expect((await callback(search, nonce)).status).toBe(403);
  });

  it('marks the browser-binding cookie Secure when a proxy says the request came over https', async () => {
    const cookieOf = (res: Response) => res.headers.getSetCookie().find((line) => line.startsWith('qsh_oauth='))!;
    expect(cookieOf((await authorize({ 'x-forwarded-proto': 'https' })).res)).toMatch(/;\s*Secure/i);
    expect(cookieOf((await authorize()).res)).not.toMatch(/;\s*Secure/i);
  });
});
