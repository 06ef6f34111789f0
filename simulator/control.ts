import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { QboFault } from './errors.ts';
import type { Simulator } from './index.ts';
import { FAULT_KINDS } from './types.ts';

/**
 * The control API under /_sim (a contract: external checks drive the simulator through it). Bodies are validated
 * with zod; failures answer 400 `{ error: { message, fields } }`, unknown realms and entities 404.
 */

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');

const companyBody = z.strictObject({
  homeCurrency: z.string().regex(/^[A-Za-z]{3}$/).optional(),
  closingDate: isoDay.optional(),
  multicurrency: z.boolean().optional(),
  companyName: z.string().min(1).max(100).optional(),
  country: z.string().length(2).optional(),
  clientId: z.string().min(1).optional(),
  clientSecret: z.string().min(1).optional(),
  scope: z.array(z.string()).optional(),
});

const faultBody = z.strictObject({
  realmId: z.string().optional(),
  path: z.string().optional(),
  method: z.string().optional(),
  kind: z.enum(FAULT_KINDS),
  status: z.number().int().min(100).max(599).optional(),
  latencyMs: z.number().int().min(0).optional(),
  count: z.number().int().min(1).optional(),
  ratio: z.number().min(0).max(1).optional(),
});

const preferencesBody = z.strictObject({
  closingDate: isoDay.nullable().optional(),
  multicurrency: z.boolean().optional(),
  homeCurrency: z.string().regex(/^[A-Za-z]{3}$/).optional(),
  customTxnNumbers: z.boolean().optional(),
});

const webhookBody = z.strictObject({ url: z.url(), verifierToken: z.string().min(1) });

class HttpError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
    readonly fields?: Record<string, string[]>,
  ) {
    super(message);
  }
}

async function body<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  const text = await c.req.text();
  let raw: unknown = {};
  if (text.trim()) {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'body is not valid JSON');
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const fields: Record<string, string[]> = {};
    for (const issue of parsed.error.issues) (fields[issue.path.join('.') || '_'] ??= []).push(issue.message);
    throw new HttpError(400, 'invalid request body', fields);
  }
  return parsed.data;
}

function param(c: Context, name: string): string {
  const v = c.req.param(name);
  if (!v) throw new HttpError(400, `${name} is required`);
  return v;
}

/** Domain errors from the simulator methods (unknown realm, bad currency, ...) become 4xx here. */
function guard(fn: (c: Context) => Promise<Response> | Response) {
  return async (c: Context): Promise<Response> => {
    try {
      return await fn(c);
    } catch (err) {
      if (err instanceof HttpError) return c.json({ error: { message: err.message, ...(err.fields ? { fields: err.fields } : {}) } }, err.status);
      const message = err instanceof Error ? err.message : String(err);
      // A QBO rule refusing a web-app edit also answers with the Fault the API would have given, for tests to assert.
      const fault = err instanceof QboFault ? { fault: err.body().Fault } : {};
      return c.json({ error: { message, ...fault } }, /unknown realm|unknown entity|not found/i.test(message) ? 404 : 400);
    }
  };
}

export function registerControl(app: Hono, sim: Simulator): void {
  app.get('/_sim/health', (c) => c.json({ ok: true }));

  app.post('/_sim/companies', guard(async (c) => c.json(sim.createCompany(await body(c, companyBody)), 201)));
  app.get('/_sim/companies', (c) => c.json({ companies: sim.companies() }));
  app.delete('/_sim/companies/:realmId', guard((c) => c.json(sim.deleteCompany(param(c, 'realmId')))));

  app.post('/_sim/faults', guard(async (c) => c.json(sim.injectFault(await body(c, faultBody)), 201)));
  app.get('/_sim/faults', (c) => c.json({ faults: sim.faults() }));
  app.delete('/_sim/faults', (c) => c.json({ cleared: sim.clearFaults(c.req.query('realmId')) }));
  app.delete('/_sim/faults/:id', (c) => (sim.removeFault(param(c, 'id')) ? c.json({ removed: true }) : c.json({ error: { message: 'fault not found' } }, 404)));

  app.get(
    '/_sim/ledger',
    guard((c) => {
      const realmId = c.req.query('realmId');
      if (!realmId) throw new HttpError(400, 'realmId is required', { realmId: ['is required'] });
      const q = c.req.query();
      return c.json({
        entities: sim.ledger({
          realmId,
          ...(q.entity ? { entity: q.entity } : {}),
          ...(q.docNumber ? { docNumber: q.docNumber } : {}),
          ...(q.displayName ? { displayName: q.displayName } : {}),
          ...(q.name ? { name: q.name } : {}),
          ...(q.privateNoteContains ? { privateNoteContains: q.privateNoteContains } : {}),
        }),
      });
    }),
  );

  app.post(
    '/_sim/companies/:realmId/entities/:entity',
    guard(async (c) => c.json({ entity: sim.createAsUser(param(c, 'realmId'), param(c, 'entity'), await body(c, z.record(z.string(), z.unknown()))) }, 201)),
  );

  // A person editing in the QBO web app: the current SyncToken is used, and CDC and webhooks follow as for any change.
  app.post(
    '/_sim/companies/:realmId/entities/:entity/:id/update',
    guard(async (c) =>
      c.json({ entity: sim.updateAsUser(param(c, 'realmId'), param(c, 'entity'), param(c, 'id'), await body(c, z.record(z.string(), z.unknown()))) }),
    ),
  );
  app.post(
    '/_sim/companies/:realmId/entities/:entity/:id/void',
    guard((c) => c.json({ entity: sim.voidAsUser(param(c, 'realmId'), param(c, 'entity'), param(c, 'id')) })),
  );
  app.post(
    '/_sim/companies/:realmId/entities/:entity/:id/delete',
    guard((c) => c.json({ entity: sim.deleteAsUser(param(c, 'realmId'), param(c, 'entity'), param(c, 'id')) })),
  );

  app.post(
    '/_sim/entities/:entity/:id/deactivate',
    guard(async (c) => {
      const parsed = await body(c, z.object({ realmId: z.string().optional() }));
      const realmId = c.req.query('realmId') ?? parsed.realmId;
      if (!realmId) throw new HttpError(400, 'realmId is required', { realmId: ['is required'] });
      return c.json({ entity: sim.deactivate(realmId, param(c, 'entity'), param(c, 'id')) });
    }),
  );

  app.post('/_sim/companies/:realmId/tokens/expire', guard((c) => c.json({ expired: sim.expireAccessTokens(param(c, 'realmId')) })));
  app.post(
    '/_sim/companies/:realmId/tokens/revoke',
    guard((c) => c.json({ revoked: sim.revokeRefreshTokens(param(c, 'realmId'), c.req.query('all') === 'true') })),
  );
  app.put(
    '/_sim/companies/:realmId/preferences',
    guard(async (c) => c.json({ Preferences: sim.setPreferences(param(c, 'realmId'), await body(c, preferencesBody)) })),
  );

  app.get(
    '/_sim/stats',
    guard((c) => {
      const realmId = c.req.query('realmId');
      return c.json(realmId ? sim.stats(realmId) : { realms: sim.allStats() });
    }),
  );

  app.put(
    '/_sim/webhook',
    guard(async (c) => {
      sim.setWebhook(await body(c, webhookBody));
      return c.json({ ok: true });
    }),
  );
  app.get('/_sim/webhooks', (c) => c.json({ deliveries: sim.webhookDeliveries() }));

  app.post('/_sim/reset', (c) => {
    sim.reset();
    return c.json({ ok: true });
  });
}
