/**
 * The notifications API in the fast tier (the real app on an in-process PGlite): the ledger's shape and order, the
 * routing's round trip, and hostile routing input refused with 400 and the fields, nothing stored.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertPlanned, reencryptWebhookSecrets, webhookSecretAad } from '../../db/queries/notifications.ts';
import { createSecretBox, generateEncryptionKeySpec, parseEncryptionKeys } from '../../runtime/secrets.ts';
import { createTenant } from '../../db/queries/tenants.ts';
import { auditEvents, notificationRoutes, webhookEndpoints } from '../../db/schema.ts';
import { DEFAULT_ROUTES } from '../../domain/notifications.ts';
import { createFastApp, type FastApp } from '../support/fast-app.ts';

const OLD_KEYS = generateEncryptionKeySpec('old');
let f: FastApp;
let admin: string;
let adminGlobex: string;
let finance: string;

beforeAll(async () => {
  f = await createFastApp({ secrets: createSecretBox(parseEncryptionKeys(OLD_KEYS)) });
  await createTenant(f.db.db, { id: 'acme', name: 'Acme Ltd', homeCurrency: 'KES' });
  await createTenant(f.db.db, { id: 'globex', name: 'Globex Ltd', homeCurrency: 'KES' });
  admin = await f.keyFor('admin', null);
  adminGlobex = await f.keyFor('admin', 'globex');
  finance = await f.keyFor('finance', 'acme');
});
afterAll(async () => {
  await f?.close();
});

const routesOf = (tenantId: string) => f.db.db.select().from(notificationRoutes).where(eq(notificationRoutes.tenantId, tenantId));
const row = (key: string, over: Record<string, unknown> = {}) => ({
  tenantId: 'acme',
  messageKey: key,
  channel: 'email' as const,
  recipient: 'ada@acme.example',
  subject: `Subject ${key}`,
  body: 'Body',
  link: 'https://sync.example/x',
  trigger: 'root_cause' as const,
  workflowId: null,
  dedupeKey: `${key}|email|ada@acme.example`,
  status: 'pending' as const,
  ...over,
});

describe('GET /api/v1/notifications', () => {
  it("lists a tenant's notifications newest first, each with the fields the contract names", async () => {
    await insertPlanned(f.db.db, 'm1', [row('m1', { workflowId: 'qbo-sync:acme:bill:b-1' })]);
    await insertPlanned(f.db.db, 'm2', [row('m2', { status: 'suppressed', lastError: 'Not sent: rate limit.' })]);
    await insertPlanned(f.db.db, 'm1', [row('m1')]);
    const res = await f.api(admin, 'GET', '/api/v1/notifications?tenantId=acme');
    expect(res.status).toBe(200);
    expect(res.json.notifications.map((n: { subject: string }) => n.subject)).toEqual(['Subject m2', 'Subject m1']);
    expect(res.json.notifications[1]).toEqual({
      id: expect.any(Number),
      channel: 'email',
      recipient: 'ada@acme.example',
      subject: 'Subject m1',
      trigger: 'root_cause',
      workflowId: 'qbo-sync:acme:bill:b-1',
      status: 'pending',
      attempts: 0,
      createdAt: expect.any(String),
    });
    expect(res.json.notifications[0]).toMatchObject({ status: 'suppressed', lastError: 'Not sent: rate limit.' });
    expect(res.json.notifications[0]).not.toHaveProperty('workflowId');
  });

  it("refuses finance (403), another tenant's admin (404), and a bad query (400)", async () => {
    expect((await f.api(finance, 'GET', '/api/v1/notifications?tenantId=acme')).status).toBe(403);
    expect((await f.api(adminGlobex, 'GET', '/api/v1/notifications?tenantId=acme')).status).toBe(404);
    const bad = await f.api(admin, 'GET', '/api/v1/notifications?tenantId=acme&limit=lots');
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields).toHaveProperty('limit');
    expect((await f.api(admin, 'GET', '/api/v1/notifications')).status).toBe(400);
  });
});

describe('GET/PUT /api/v1/notifications/routes/{tenantId}', () => {
  it('answers the defaults for a tenant that set nothing', async () => {
    const res = await f.api(admin, 'GET', '/api/v1/notifications/routes/globex');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ tenantId: 'globex', audiences: DEFAULT_ROUTES, webhooks: [] });
  });

  it('stores routing and endpoints, answers them without the secret, keeps it encrypted, and audits the change', async () => {
    const put = await f.api(admin, 'PUT', '/api/v1/notifications/routes/acme', {
      audiences: {
        admin: { roles: ['admin'], emails: ['IT@Acme.example'], webhooks: ['ops-slack'] },
        escalation_1: { label: 'Finance controller', roles: [], emails: ['controller@acme.example'] },
      },
      webhooks: [{ name: 'ops-slack', url: 'https://hooks.example/T1/B2', secret: 'a-long-shared-secret-123', disableAfter: 3 }],
    });
    expect(put.status).toBe(200);
    expect(put.json.audiences.admin).toEqual({ label: null, roles: ['admin'], emails: ['it@acme.example'], webhooks: ['ops-slack'] });
    expect(put.json.audiences.escalation_1).toEqual({ label: 'Finance controller', roles: [], emails: ['controller@acme.example'], webhooks: [] });
    expect(put.json.audiences.finance).toEqual(DEFAULT_ROUTES.finance);
    expect(put.json.webhooks).toEqual([expect.objectContaining({ name: 'ops-slack', url: 'https://hooks.example/T1/B2', disableAfter: 3, enabled: true, consecutiveFailures: 0 })]);
    expect(JSON.stringify(put.json)).not.toContain('a-long-shared-secret-123');
    const [stored] = await f.db.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.tenantId, 'acme'));
    expect(stored!.secret).not.toContain('a-long-shared-secret-123');
    const [audit] = await f.db.db.select().from(auditEvents).where(eq(auditEvents.action, 'notifications.routes'));
    expect(audit).toMatchObject({ tenantId: 'acme', actor: expect.stringMatching(/^api-key:/) });
    expect(JSON.stringify(audit!.detail)).not.toContain('a-long-shared-secret-123');

    // Saving again without the secret keeps it; an endpoint left out is removed.
    const again = await f.api(admin, 'PUT', '/api/v1/notifications/routes/acme', { audiences: {}, webhooks: [{ name: 'ops-slack', url: 'https://hooks.example/T1/B3' }] });
    expect(again.status).toBe(200);
    const [kept] = await f.db.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.tenantId, 'acme'));
    expect(kept!.secret).toBe(stored!.secret);
    expect(kept!.url).toBe('https://hooks.example/T1/B3');
    expect(again.json.audiences).toEqual(DEFAULT_ROUTES);
  });

  it.each([
    ['not JSON', '{"audiences":', undefined],
    ['an audience nobody knows', { audiences: { everyone: { roles: ['admin'] } } }, 'audiences'],
    ['a role that is not a console role', { audiences: { admin: { roles: ['awra'] } } }, 'audiences.admin.roles.0'],
    ['roles as a string', { audiences: { admin: { roles: 'admin' } } }, 'audiences.admin.roles'],
    ['an address without @', { audiences: { finance: { emails: ['finance team'] } } }, 'audiences.finance.emails.0'],
    ['an address with a NUL', { audiences: { finance: { emails: ['a\u0000@acme.example'] } } }, 'audiences.finance.emails.0'],
    ['a label with control characters', { audiences: { escalation_1: { label: 'Boss\u0007' } } }, 'audiences.escalation_1.label'],
    ['a label with a lone surrogate', { audiences: { escalation_1: { label: 'Boss \ud800' } } }, 'audiences.escalation_1.label'],
    ['too many addresses', { audiences: { admin: { emails: Array.from({ length: 51 }, (_, i) => `a${i}@acme.example`) } } }, 'audiences.admin.emails'],
    ['a webhook no endpoint has', { audiences: { admin: { webhooks: ['nowhere'] } } }, 'audiences.admin.webhooks.0'],
    ['a new endpoint without a secret', { webhooks: [{ name: 'new-hook', url: 'https://hooks.example/x' }] }, 'webhooks.0.secret'],
    ['a short secret', { webhooks: [{ name: 'new-hook', url: 'https://hooks.example/x', secret: 'short' }] }, 'webhooks.0.secret'],
    ['an ftp URL', { webhooks: [{ name: 'new-hook', url: 'ftp://hooks.example/x', secret: 'a-long-shared-secret-123' }] }, 'webhooks.0.url'],
    ['a URL with credentials', { webhooks: [{ name: 'new-hook', url: 'https://u:p@hooks.example/x', secret: 'a-long-shared-secret-123' }] }, 'webhooks.0.url'],
    ['two endpoints of one name', { webhooks: [{ name: 'h', url: 'https://a.example', secret: 'a-long-shared-secret-123' }, { name: 'h', url: 'https://b.example', secret: 'a-long-shared-secret-123' }] }, 'webhooks.1.name'],
    ['a name with a slash', { webhooks: [{ name: '../etc', url: 'https://a.example', secret: 'a-long-shared-secret-123' }] }, 'webhooks.0.name'],
    ['a disable limit of zero', { webhooks: [{ name: 'h', url: 'https://a.example', secret: 'a-long-shared-secret-123', disableAfter: 0 }] }, 'webhooks.0.disableAfter'],
    ['an unknown field', { audiences: {}, admin: true }, '(body)'],
    ['an array', [], '(body)'],
  ])('refuses %s with 400 and the field, changing nothing', async (_what, body, field) => {
    const before = await routesOf('globex');
    const res = await f.api(admin, 'PUT', '/api/v1/notifications/routes/globex', body);
    expect(res.status).toBe(400);
    if (field) expect(Object.keys(res.json.error.fields ?? {}), JSON.stringify(res.json)).toContain(field);
    expect(await routesOf('globex')).toEqual(before);
  });

  it("refuses finance (403) and another tenant's admin (404), and an invalid tenant id (400)", async () => {
    expect((await f.api(finance, 'PUT', '/api/v1/notifications/routes/acme', {})).status).toBe(403);
    expect((await f.api(adminGlobex, 'GET', '/api/v1/notifications/routes/acme')).status).toBe(404);
    expect((await f.api(admin, 'GET', '/api/v1/notifications/routes/no-such-tenant')).status).toBe(404);
    expect((await f.api(admin, 'GET', `/api/v1/notifications/routes/${'x'.repeat(64)}`)).status).toBe(400);
  });
});

describe('rotating the encryption key', () => {
  it("re-encrypts the webhook secrets under the new key (npm run tokens:reencrypt), so the old key can go", async () => {
    expect((await f.api(admin, 'PUT', '/api/v1/notifications/routes/globex', { webhooks: [{ name: 'rotate-me', url: 'https://hooks.example/r', secret: 'rotate-me-secret-0123' }] })).status).toBe(200);
    const rotated = createSecretBox(parseEncryptionKeys(`${generateEncryptionKeySpec('new')},${OLD_KEYS}`));
    expect(await reencryptWebhookSecrets(f.db.db, rotated)).toBeGreaterThanOrEqual(1);
    expect(await reencryptWebhookSecrets(f.db.db, rotated)).toBe(0);
    const [row] = await f.db.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.name, 'rotate-me'));
    expect(row!.secret.split(':')[1]).toBe('new');
    expect(rotated.decrypt(row!.secret, webhookSecretAad('globex', 'rotate-me'))).toBe('rotate-me-secret-0123');
  });
});
