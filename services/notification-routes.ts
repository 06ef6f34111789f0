import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { getRoutes, listWebhookEndpoints, putRoutes, webhookSecretAad, type EndpointInput } from '../db/queries/notifications.ts';
import { AUDIENCES, CONSOLE_ROLES, DEFAULT_ROUTES, WEBHOOK_DISABLE_AFTER, type Audience, type AudienceRoute, type TenantRoutes } from '../domain/notifications.ts';
import { characterFault } from '../domain/text.ts';
import { fieldErrors, textField } from '../domain/text-schema.ts';
import type { SecretBox } from '../runtime/secrets.ts';

/**
 * A tenant's routing as the API (`PUT /api/v1/notifications/routes/{tenantId}`) and the console's form both send it,
 * checked by one schema: per audience who is told, and the webhook endpoints. An audience left out gets its
 * default (domain/notifications.ts `DEFAULT_ROUTES`); an endpoint left out is removed.
 */
const address = z
  .string({ error: 'must be an e-mail address' })
  .trim()
  .max(200, 'An e-mail address has at most 200 characters.')
  .refine((v) => /^[^@\s]+@[^@\s]+$/.test(v) && !characterFault(v), 'Enter an e-mail address with an @, like controller@acme.example.')
  .transform((v) => v.toLowerCase());

const endpointName = z
  .string({ error: 'must be a name' })
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,59}$/, 'A webhook name is 1-60 letters, digits, spaces, ".", "_" or "-", e.g. "finance-slack".');

const webhookUrl = textField({ label: 'The webhook URL', max: 2000, required: true }).refine((v) => {
  try {
    const u = new URL(v);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
  } catch {
    return false;
  }
}, 'The webhook URL must be an http(s) address without a user name or password in it.');

const audienceSchema = z.strictObject({
  label: textField({ label: 'The contact name', max: 100 }).nullable().optional(),
  roles: z.array(z.enum(CONSOLE_ROLES, { error: `must be one of ${CONSOLE_ROLES.join(', ')}` })).max(CONSOLE_ROLES.length).default([]),
  emails: z.array(address).max(50, 'At most 50 addresses.').default([]),
  webhooks: z.array(endpointName).max(20, 'At most 20 webhook endpoints.').default([]),
});

export const routesSchema = z
  .strictObject({
    audiences: z.strictObject(Object.fromEntries(AUDIENCES.map((a) => [a, audienceSchema.optional()])) as Record<Audience, z.ZodOptional<typeof audienceSchema>>).default({}),
    webhooks: z
      .array(
        z.strictObject({
          name: endpointName,
          url: webhookUrl,
          /** Omitted: the endpoint keeps its secret (a new endpoint must have one). */
          secret: textField({ label: 'The secret', max: 200, required: true, keepSpaces: true }).refine((v) => v.length >= 16, 'The secret needs at least 16 characters.').optional(),
          disableAfter: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(1).max(1000).default(WEBHOOK_DISABLE_AFTER),
          enabled: z.boolean({ error: 'must be true or false' }).default(true),
        }),
      )
      .max(20, 'At most 20 webhook endpoints.')
      .default([]),
  })
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.webhooks.forEach((w, i) => {
      if (seen.has(w.name)) ctx.addIssue({ code: 'custom', path: ['webhooks', i, 'name'], message: `Another endpoint is named "${w.name}" already.` });
      seen.add(w.name);
    });
  });

export type RoutesInput = z.input<typeof routesSchema>;

/** The routing of a tenant as the API answers it: never a secret. */
export async function routesView(db: Db, tenantId: string) {
  const [routes, endpoints] = await Promise.all([getRoutes(db, tenantId), listWebhookEndpoints(db, tenantId)]);
  return {
    tenantId,
    audiences: routes,
    webhooks: endpoints.map((e) => ({
      name: e.name,
      url: e.url,
      disableAfter: e.disableAfter,
      enabled: e.disabledAt === null,
      disabledAt: e.disabledAt,
      consecutiveFailures: e.consecutiveFailures,
      lastStatus: e.lastStatus,
      lastDeliveryAt: e.lastDeliveryAt,
      lastError: e.lastError,
    })),
  };
}

export type SaveRoutesOutcome = { ok: true } | { ok: false; fields: Record<string, string> };

/** Checks and stores a tenant's routing (the secrets encrypted); `fields` names what is wrong, nothing being stored. */
export async function saveRoutes(deps: { db: Db; secrets: SecretBox }, tenantId: string, input: unknown, actor: string): Promise<SaveRoutesOutcome> {
  const parsed = routesSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fields: fieldErrors(parsed.error) };
  const { audiences, webhooks } = parsed.data;
  const routes = Object.fromEntries(
    AUDIENCES.map((a): [Audience, AudienceRoute] => {
      const r = audiences[a];
      return [a, r ? { label: r.label || null, roles: [...new Set(r.roles)], emails: [...new Set(r.emails)], webhooks: [...new Set(r.webhooks)] } : DEFAULT_ROUTES[a]];
    }),
  ) as TenantRoutes;
  const endpoints: EndpointInput[] = webhooks.map((w) => ({
    name: w.name,
    url: w.url,
    disableAfter: w.disableAfter,
    enabled: w.enabled,
    ...(w.secret !== undefined ? { secret: deps.secrets.encrypt(w.secret, webhookSecretAad(tenantId, w.name)) } : {}),
  }));
  return putRoutes(deps.db, tenantId, routes, endpoints, actor);
}
