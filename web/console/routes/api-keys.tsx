import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { createApiKey, KEY_NAME, listApiKeys, revokeApiKey } from '../../../db/queries/api-keys.ts';
import { visibleTenants } from '../../../db/queries/console.ts';
import { ROLES } from '../../../domain/permissions.ts';
import { textField } from '../../../domain/text-schema.ts';
import { requirePermission, signedIn } from '../auth.ts';
import { canSeeTenant, type ConsoleEnv } from '../env.ts';
import { formFields, refuse, respond } from '../http.tsx';
import { ApiKeysBody, ApiKeysPage, type ApiKeysViewProps } from '../views/api-keys.tsx';
import { actorOf } from '../../../domain/principal.ts';

type C = Context<ConsoleEnv>;

const createForm = z.object({
  name: textField({ ...KEY_NAME, required: 'Give the key a name that says who uses it, e.g. “AWRA ERP production”.' }),
  role: z.enum(ROLES, { error: `Choose a role: ${ROLES.join(', ')}.` }),
  // "" is "every tenant"; the text rule runs before the tenant is looked up.
  tenantId: z.union([z.literal(''), textField({ label: 'The tenant', max: 63, required: true, keepSpaces: true })]).default(''),
});

const KEY_ID = /^[1-9][0-9]{0,14}$/;

/** `/api-keys` (admins): the keys of the tenants this admin sees, creating one (shown once) and revoking. */
export function apiKeyRoutes() {
  const app = new Hono<ConsoleEnv>();
  app.use('*', ...signedIn);
  app.use('*', requirePermission('apikeys.manage'));

  async function show(c: C, extra: Partial<Pick<ApiKeysViewProps, 'form' | 'created' | 'flash'>>, status: ContentfulStatusCode = 200) {
    const { db } = c.get('deps');
    const user = c.get('user');
    const [tenants, keys] = await Promise.all([visibleTenants(db, user.tenantId), listApiKeys(db, user.tenantId === null ? {} : { tenantId: user.tenantId })]);
    const props: ApiKeysViewProps = { user, csrf: c.get('csrfToken'), tenants, keys, form: extra.form ?? { values: {} }, ...extra };
    return respond(c, { title: 'API keys', nav: 'apikeys', page: () => <ApiKeysPage {...props} />, fragment: () => <ApiKeysBody {...props} /> }, status);
  }

  app.get('/', async (c) => {
    // After a revoke without htmx (POST, then redirect here): say which key it was.
    const revoked = c.req.query('revoked');
    if (revoked && KEY_ID.test(revoked)) {
      const user = c.get('user');
      const keys = await listApiKeys(c.get('deps').db, user.tenantId === null ? {} : { tenantId: user.tenantId });
      const k = keys.find((x) => x.id === Number(revoked) && x.revokedAt);
      if (k) return show(c, { flash: { tone: 'ok', text: `Key “${k.name}” (${k.prefix ?? `#${k.id}`}) is revoked.` } });
    }
    return show(c, {});
  });

  app.post('/', async (c) => {
    const user = c.get('user');
    const { _csrf: _ignored, ...values } = await formFields(c);
    const parsed = createForm.safeParse(values);
    const invalid = (errors: Record<string, string>) => show(c, { form: { values, errors } }, 422);
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message;
      return invalid(errors);
    }
    const tenantId = parsed.data.tenantId === '' ? null : parsed.data.tenantId;
    // The form offers only what this admin may choose; anything else was not sent by it.
    if (tenantId === null && user.tenantId !== null) return refuse(c, 403, 'Not allowed', 'Only an admin of every tenant may make a key for every tenant.');
    if (tenantId !== null && !canSeeTenant(user, tenantId)) return refuse(c, 404, 'Not found', `No tenant "${tenantId}".`);
    const created = await createApiKey(c.get('deps').db, { name: parsed.data.name, role: parsed.data.role, tenantId, createdBy: actorOf(c.get('principal')) });
    if (!created.ok) return invalid(created.fields);
    return show(c, { created: { key: created.key, apiKey: created.apiKey } }, 201);
  });

  app.post('/:id/revoke', async (c) => {
    const id = c.req.param('id');
    const user = c.get('user');
    const notFound = () => refuse(c, 404, 'Not found', 'There is no such API key you can manage.');
    if (!KEY_ID.test(id)) return notFound();
    const out = await revokeApiKey(c.get('deps').db, { id: Number(id) }, { by: actorOf(c.get('principal')), ...(user.tenantId === null ? {} : { tenantId: user.tenantId }) });
    if (out.status === 'not_found' || out.status === 'ambiguous') return notFound();
    if (!c.get('fragment')) return c.redirect(`/api-keys?revoked=${out.apiKey.id}`, 303);
    const label = `“${out.apiKey.name}” (${out.apiKey.prefix ?? `#${out.apiKey.id}`})`;
    return show(c, { flash: { tone: 'ok', text: out.status === 'revoked' ? `Key ${label} is revoked.` : `Key ${label} was already revoked.` } });
  });

  return app;
}
