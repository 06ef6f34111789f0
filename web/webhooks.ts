import { createHmac, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { qboConnections } from '../db/schema.ts';
import { textProblem } from '../domain/text.ts';
import { refreshReferencesNow } from '../runtime/connect.ts';
import type { AppEnv } from './deps.ts';

/** `intuit-signature` is base64(HMAC-SHA256(verifier token, raw body)); compared in constant time. */
export function verifyIntuitSignature(rawBody: string, signature: string | undefined, verifierToken: string): boolean {
  if (!signature) return false;
  const expected = createHmac('sha256', verifierToken).update(rawBody).digest();
  let given: Buffer;
  try {
    given = Buffer.from(signature, 'base64');
  } catch {
    return false;
  }
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Realm ids named by a QuickBooks webhook, in the legacy `eventNotifications` shape or as CloudEvents. */
function realmsOf(payload: unknown): string[] {
  const realms = new Set<string>();
  if (Array.isArray(payload)) {
    for (const e of payload as Array<Record<string, unknown>>) if (typeof e.intuitaccountid === 'string') realms.add(e.intuitaccountid);
  } else if (payload && typeof payload === 'object') {
    for (const n of ((payload as { eventNotifications?: Array<{ realmId?: unknown }> }).eventNotifications ?? [])) {
      if (typeof n.realmId === 'string') realms.add(n.realmId);
    }
  }
  return [...realms];
}

/**
 * `POST /webhooks/qbo`: QuickBooks says entities changed. Only a correctly signed notification is acted on (anything
 * else is 401 and changes nothing); it triggers a change-data refresh of each named realm's reference cache.
 */
export function webhookRoutes() {
  const app = new Hono<AppEnv>();
  app.post('/qbo', async (c) => {
    const deps = c.get('deps');
    const raw = await c.req.text();
    if (!deps.webhookVerifierToken || !verifyIntuitSignature(raw, c.req.header('intuit-signature'), deps.webhookVerifierToken)) {
      deps.logger.warn({ hasSignature: Boolean(c.req.header('intuit-signature')) }, 'webhook refused: bad or missing signature');
      return c.json({ error: { code: 'invalid_signature', message: 'The intuit-signature header does not verify.' } }, 401);
    }
    let payload: unknown;
    try {
      payload = JSON.parse(raw);
    } catch {
      return c.json({ error: { code: 'invalid_json', message: 'The notification is not JSON.' } }, 400);
    }
    const realms = realmsOf(payload);
    for (const realmId of realms) {
      const problem = textProblem(realmId, { label: 'A realm id', max: 64, required: true, keepSpaces: true });
      if (problem) return c.json({ error: { code: 'invalid_realm', message: `${problem} Nothing was refreshed.` } }, 400);
    }
    const refreshed: string[] = [];
    for (const realmId of realms) {
      const rows = await deps.db.select({ tenantId: qboConnections.tenantId }).from(qboConnections).where(eq(qboConnections.realmId, realmId));
      for (const { tenantId } of rows) {
        await refreshReferencesNow(deps.temporal, deps.taskQueue, tenantId, 'webhook');
        refreshed.push(tenantId);
      }
    }
    return c.json({ accepted: true, refreshed });
  });
  return app;
}
