import { Hono } from 'hono';
import { z } from 'zod';
import { findQboRef, mappingValues, qboRefCount, searchQboRefs, visibleTenants } from '../../../db/queries/console.ts';
import { getMappingHealth } from '../../../db/queries/mapping-health.ts';
import { KIND_ENTITY } from '../../../db/queries/refs.ts';
import { getTenant } from '../../../db/queries/tenants.ts';
import { textProblem, type TextRule } from '../../../domain/text.ts';
import { textField } from '../../../domain/text-schema.ts';
import { MAPPING_KINDS, type MappingKind } from '../../../domain/vocabulary.ts';
import { setMapping } from '../../../services/mappings.ts';
import { requirePermission, signedIn } from '../auth.ts';
import { canSeeTenant, effectiveTenant, type ConsoleEnv } from '../env.ts';
import { formFields, refuse, respond, sendFragment } from '../http.tsx';
import { MappingSetDone, MappingSetter, RefResults, setterId, type SetterContext, type SetterTarget } from '../views/mapping-setter.tsx';
import { MappingsBody, MappingsPage, MappingValueRow } from '../views/mappings.tsx';
import { actorOf } from '../../../domain/principal.ts';

const kindSchema = z.enum(MAPPING_KINDS);

const tenantRule: TextRule = { label: 'The tenant', max: 63, required: true, keepSpaces: true };
const setSchema = z.object({
  tenantId: textField(tenantRule),
  kind: kindSchema,
  key: textField({ label: 'The AWRA value', max: 200, required: 'The AWRA value is missing.' }),
  qboId: textField({ label: 'The QuickBooks id', max: 50, required: 'Choose a QuickBooks entity from the search.' }),
  context: z.enum(['queue', 'row'], { error: 'Set the mapping from the Mappings page or the action queue.' }).default('row'),
});

/** `/mappings`: health per kind, the AWRA values of one kind with their mapping, and setting one (admins). */
export function mappingRoutes() {
  const app = new Hono<ConsoleEnv>();
  app.use('*', ...signedIn);

  app.get('/', async (c) => {
    const { db } = c.get('deps');
    const user = c.get('user');
    const tenants = await visibleTenants(db, user.tenantId);
    const requested = effectiveTenant(user, c.req.query('tenantId'));
    const tenant = tenants.find((t) => t.id === requested) ?? tenants[0];
    const health = tenant ? await getMappingHealth(db, tenant.id) : [];
    const asked = kindSchema.safeParse(c.req.query('kind'));
    const firstProblem = health.find((h) => h.status === 'blocked') ?? health.find((h) => h.status === 'review');
    const kind: MappingKind = asked.success ? asked.data : (firstProblem?.kind ?? 'account');
    const entity = KIND_ENTITY[kind];
    const [values, cached] = tenant ? await Promise.all([mappingValues(db, tenant.id, kind), qboRefCount(db, tenant.id, entity)]) : [{ values: [], truncated: false }, 0];
    const props = {
      user,
      csrf: c.get('csrfToken'),
      tenants,
      tenant,
      health,
      kind,
      entity,
      values: values.values,
      truncated: values.truncated,
      cached,
      ...(c.req.query('key') ? { focusKey: c.req.query('key') } : {}),
    };
    return respond(c, { title: 'Mappings', nav: 'mappings', page: () => <MappingsPage {...props} />, fragment: () => <MappingsBody {...props} /> });
  });

  /** Active search over the QuickBooks reference cache (htmx, as the admin types). */
  app.get('/search', requirePermission('mappings.set'), async (c) => {
    const { db } = c.get('deps');
    const user = c.get('user');
    if (!c.get('fragment')) return c.redirect('/mappings', 303);
    const tenantId = c.req.query('tenantId') ?? '';
    const kind = kindSchema.safeParse(c.req.query('kind'));
    if (!kind.success || !canSeeTenant(user, tenantId)) return refuse(c, 404, 'Not found', 'Unknown tenant or mapping kind.');
    const q = (c.req.query('q') ?? '').slice(0, 100);
    const entity = KIND_ENTITY[kind.data];
    const target: SetterTarget = { tenantId, kind: kind.data, key: c.req.query('key') ?? '', entity };
    const context: SetterContext = c.req.query('context') === 'queue' ? 'queue' : 'row';
    const [refs, cached] = await Promise.all([searchQboRefs(db, tenantId, entity, q), qboRefCount(db, tenantId, entity)]);
    return sendFragment(c, <RefResults target={target} context={context} csrf={c.get('csrfToken')} q={q} refs={refs} cached={cached} />);
  });

  /**
   * Sets a mapping the way PUT /api/v1/mappings does — upsertMapping, writeAudit and the outbox row in one
   * transaction, then resumeAfterMapping — with the QuickBooks entity taken from the reference cache, so only an active entity of the
   * right type can be chosen.
   */
  app.post('/set', requirePermission('mappings.set'), async (c) => {
    const deps = c.get('deps');
    const user = c.get('user');
    const form = await formFields(c);
    const parsed = setSchema.safeParse(form);
    const kindOk = kindSchema.safeParse(form.kind);
    // The tenant is looked up before the form's other fields are judged, so it passes the text rule first.
    if (!kindOk.success || !form.tenantId || textProblem(form.tenantId, tenantRule) || !canSeeTenant(user, form.tenantId)) {
      return refuse(c, 404, 'Not found', 'Unknown tenant or mapping kind.');
    }
    const target: SetterTarget = { tenantId: form.tenantId, kind: kindOk.data, key: (form.key ?? '').trim(), entity: KIND_ENTITY[kindOk.data] };
    const context: SetterContext = form.context === 'queue' ? 'queue' : 'row';
    const invalid = async (error: string) => {
      const [refs, cached] = await Promise.all([searchQboRefs(deps.db, target.tenantId, target.entity, ''), qboRefCount(deps.db, target.tenantId, target.entity)]);
      const setter = (
        <MappingSetter target={target} context={context} csrf={c.get('csrfToken')} error={error} results={{ target, context, csrf: c.get('csrfToken'), q: '', refs, cached }} />
      );
      if (c.get('fragment')) return sendFragment(c, setter, 422, { 'HX-Retarget': `#${setterId(target)}`, 'HX-Reswap': 'outerHTML' });
      return respond(c, { title: 'Set mapping', nav: 'mappings', page: () => setter, fragment: () => setter }, 422);
    };
    if (!parsed.success) return invalid(parsed.error.issues[0]?.message ?? 'The mapping is not valid.');
    const { tenantId, kind, key, qboId } = parsed.data;
    const ref = await findQboRef(deps.db, tenantId, target.entity, qboId);
    if (!ref || ref.status !== 'active') {
      return invalid(
        ref
          ? `QuickBooks ${target.entity} “${ref.name}” (id ${qboId}) is ${ref.status}; choose an active one.`
          : `This tenant's QuickBooks list has no ${target.entity} with id ${qboId}. Search by name and choose from the list.`,
      );
    }
    if (!(await getTenant(deps.db, tenantId))) return refuse(c, 404, 'Not found', `No tenant "${tenantId}".`);
    const principal = c.get('principal');
    const detail = { qboId, qboName: ref.name };
    const { resumed } = await setMapping(deps, principal, { tenantId, kind, sourceKey: key, qboId, qboName: ref.name, detail });

    if (!c.get('fragment')) return c.redirect(`/mappings?tenantId=${encodeURIComponent(tenantId)}&kind=${kind}`, 303);
    if (context === 'queue') return sendFragment(c, <MappingSetDone target={target} qboId={qboId} qboName={ref.name} resumed={resumed} />);
    const { values } = await mappingValues(deps.db, tenantId, kind);
    const v = values.find((x) => x.key === key) ?? {
      key, usedBy: 0, qboId, qboName: ref.name, status: 'active' as const, staleReason: null, updatedBy: actorOf(principal), updatedAt: new Date(), held: 0, heldAmounts: [],
    };
    const note = `Mapped to “${ref.name}”. ${resumed > 0 ? `${resumed} waiting record(s) are being told to continue.` : 'No record was waiting on it.'}`;
    return sendFragment(c, <MappingValueRow v={v} target={target} user={user} csrf={c.get('csrfToken')} note={note} />);
  });

  return app;
}
