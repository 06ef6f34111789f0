import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { tenantsOfRealms } from '../db/queries/connections.ts';
import { recordWebhookEvents, type WebhookEvent } from '../db/queries/webhook-events.ts';
import { textProblem } from '../domain/text.ts';
import { refreshReferencesSoon } from '../services/schedules.ts';
import type { AppEnv } from './deps.ts';

/**
 * `intuit-signature` is base64(HMAC-SHA256(verifier token, raw body)), over the bytes as they came: decoding them
 * first would turn a BOM or an invalid byte into something else and verify a different message. Compared in constant
 * time.
 */
export function verifyIntuitSignature(rawBody: Uint8Array, signature: string | undefined, verifierToken: string): boolean {
  if (!signature) return false;
  const expected = createHmac('sha256', verifierToken).update(rawBody).digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
/** QuickBooks wants its 200 within 3 seconds (reference §6.2); past this it is better to answer 503 and be retried. */
const TEMPORAL_DEADLINE_MS = 2_000;

type Events = { ok: true; events: WebhookEvent[] } | { ok: false; message: string };

/**
 * The events of a notification and the id each is deduplicated by. CloudEvents (a JSON array) carry an `id` each,
 * which a redelivery repeats (one verifier token means one app, hence one `source`, so the id alone is unique). The
 * legacy `eventNotifications` object carries no id: the delivery counts as one event whose id is the SHA-256 of its
 * raw body. A redelivery is byte-identical; two different notifications differ at least in `lastUpdated`, and two
 * that did not would report the same change, which is worth one refresh.
 */
function eventsOf(payload: unknown, raw: Uint8Array): Events {
  const realm = (value: unknown) => (typeof value === 'string' ? [value] : []);
  if (Array.isArray(payload)) {
    const events: WebhookEvent[] = [];
    for (const e of payload as unknown[]) {
      const id = e && typeof e === 'object' ? (e as { id?: unknown }).id : undefined;
      const problem = typeof id === 'string' ? textProblem(id, { label: 'An event id', max: 200, required: true, keepSpaces: true }) : 'Every event needs an id.';
      if (problem) return { ok: false, message: problem };
      events.push({ eventId: `ce:${id as string}`, realmIds: realm((e as { intuitaccountid?: unknown }).intuitaccountid) });
    }
    return { ok: true, events };
  }
  const notifications = payload && typeof payload === 'object' ? (payload as { eventNotifications?: unknown }).eventNotifications : undefined;
  const realmIds = Array.isArray(notifications) ? notifications.flatMap((n: unknown) => (n && typeof n === 'object' ? realm((n as { realmId?: unknown }).realmId) : [])) : [];
  return { ok: true, events: [{ eventId: `sha256:${createHash('sha256').update(raw).digest('hex')}`, realmIds }] };
}

/** Thrown inside the transaction so the events are not recorded when their refresh could not be asked for. */
class RefreshNotRequested extends Error {}

/**
 * `POST /webhooks/qbo`: QuickBooks says entities changed. Only a correctly signed notification is acted on (anything
 * else is 401 and changes nothing), and each event once: a delivery seen before answers 200 with `duplicate: true`.
 * The realms it names get a change-data refresh of their reference cache (`refreshReferencesSoon` in
 * services/schedules.ts: at most one running and one waiting per tenant, however many webhooks arrive).
 */
export function webhookRoutes() {
  const app = new Hono<AppEnv>();
  app.post('/qbo', async (c) => {
    const deps = c.get('deps');
    const raw = new Uint8Array(await c.req.arrayBuffer());
    if (!deps.webhookVerifierToken || !verifyIntuitSignature(raw, c.req.header('intuit-signature'), deps.webhookVerifierToken)) {
      deps.logger.warn({ hasSignature: Boolean(c.req.header('intuit-signature')) }, 'webhook refused: bad or missing signature');
      return c.json({ error: { code: 'invalid_signature', message: 'The intuit-signature header does not verify.' } }, 401);
    }
    let payload: unknown;
    try {
      payload = JSON.parse(UTF8.decode(raw));
    } catch {
      return c.json({ error: { code: 'invalid_json', message: 'The notification is not JSON in UTF-8.' } }, 400);
    }
    const parsed = eventsOf(payload, raw);
    if (!parsed.ok) return c.json({ error: { code: 'invalid_event', message: `${parsed.message} Nothing was refreshed.` } }, 400);
    for (const realmId of parsed.events.flatMap((e) => e.realmIds)) {
      const problem = textProblem(realmId, { label: 'A realm id', max: 64, required: true, keepSpaces: true });
      if (problem) return c.json({ error: { code: 'invalid_realm', message: `${problem} Nothing was refreshed.` } }, 400);
    }
    try {
      const outcome = await deps.db.transaction(async (tx) => {
        const fresh = await recordWebhookEvents(tx, parsed.events);
        if (parsed.events.length > 0 && fresh.size === 0) return { duplicate: true as const };
        const realmIds = [...new Set(parsed.events.filter((e) => fresh.has(e.eventId)).flatMap((e) => e.realmIds))];
        const tenants = await tenantsOfRealms(tx, realmIds);
        const refreshed: string[] = [];
        try {
          await deps.temporal.withDeadline(Date.now() + TEMPORAL_DEADLINE_MS, async () => {
            for (const tenantId of tenants) {
              await refreshReferencesSoon(deps.temporal, deps.taskQueue, tenantId);
              refreshed.push(tenantId);
            }
          });
        } catch (err) {
          throw new RefreshNotRequested('Temporal did not take the refresh', { cause: err });
        }
        return { duplicate: false as const, refreshed };
      });
      return c.json(outcome.duplicate ? { accepted: true, duplicate: true } : { accepted: true, refreshed: outcome.refreshed });
    } catch (err) {
      if (!(err instanceof RefreshNotRequested)) throw err;
      // Nothing was recorded, so QuickBooks' next delivery of it is acted on.
      deps.logger.warn({ err: err.cause }, 'webhook not acted on: Temporal did not take the refresh; QuickBooks delivers it again');
      c.header('Retry-After', '10');
      return c.json({ error: { code: 'temporarily_unavailable', message: 'The refresh could not be started now; deliver the notification again.' } }, 503);
    }
  });
  return app;
}
