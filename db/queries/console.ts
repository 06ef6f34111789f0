import { and, asc, count, desc, eq, gte, ilike, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.ts';
import {
  auditEvents,
  qboConnections,
  qboRefs,
  sourceRecords,
  syncAttempts,
  syncEvents,
  syncs,
  tenants,
  type AuditEventRow,
  type QboRefRow,
  type SourceRecordRow,
  type Tenant,
} from '../schema.ts';
import type { MoneyTotal } from '../../domain/mapping-health.ts';
import type { FailureClass, MappingKind, SyncState } from '../../domain/vocabulary.ts';

/**
 * Read models of the console. Every list reads indexed projections (syncs, attempts, events, audit, the reference
 * cache); nothing here asks Temporal. `tenantId` undefined means every tenant the caller may see (the route has
 * already narrowed it to the user's own tenant when they have one).
 */

export async function visibleTenants(db: Db, only: string | null): Promise<Tenant[]> {
  return db.select().from(tenants).where(only ? eq(tenants.id, only) : undefined).orderBy(asc(tenants.id));
}

/** A QuickBooks connection without its secrets: what the console may show. */
export interface ConnectionHealth {
  tenantId: string;
  realmId: string;
  environment: 'sandbox' | 'production' | 'simulator';
  status: 'healthy' | 'refresh_due' | 'needs_reauth' | 'revoked';
  accessTokenExpiresAt: Date;
  refreshTokenExpiresAt: Date;
  refreshTokenHardExpiresAt: Date | null;
  scopes: string;
  lastRefreshAt: Date | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  connectedAt: Date;
}

export async function connectionHealth(db: Db, tenantIds: string[]): Promise<ConnectionHealth[]> {
  if (tenantIds.length === 0) return [];
  return db
    .select({
      tenantId: qboConnections.tenantId,
      realmId: qboConnections.realmId,
      environment: qboConnections.environment,
      status: qboConnections.status,
      accessTokenExpiresAt: qboConnections.accessTokenExpiresAt,
      refreshTokenExpiresAt: qboConnections.refreshTokenExpiresAt,
      refreshTokenHardExpiresAt: qboConnections.refreshTokenHardExpiresAt,
      scopes: qboConnections.scopes,
      lastRefreshAt: qboConnections.lastRefreshAt,
      lastSuccessAt: qboConnections.lastSuccessAt,
      lastError: qboConnections.lastError,
      lastErrorAt: qboConnections.lastErrorAt,
      connectedAt: qboConnections.connectedAt,
    })
    .from(qboConnections)
    .where(inArray(qboConnections.tenantId, tenantIds));
}

const tenantCond = (col: Parameters<typeof eq>[0], tenantId?: string) => (tenantId ? eq(col, tenantId) : undefined);

export interface StateCount {
  state: SyncState;
  failureClass: FailureClass | null;
  records: number;
}

/** How many records are in each state (and, when blocked, each failure class). */
export async function stateCounts(db: Db, tenantId?: string): Promise<StateCount[]> {
  const rows = await db
    .select({ state: syncs.state, failureClass: syncs.failureClass, records: count() })
    .from(syncs)
    .where(tenantCond(syncs.tenantId, tenantId))
    .groupBy(syncs.state, syncs.failureClass);
  return rows.map((r) => ({ state: r.state as SyncState, failureClass: r.failureClass as FailureClass | null, records: Number(r.records) }));
}

/** Records blocked on authorization, per tenant. */
export async function authorizationBlocks(db: Db, tenantIds: string[]): Promise<Map<string, number>> {
  if (tenantIds.length === 0) return new Map();
  const rows = await db
    .select({ tenantId: syncs.tenantId, n: count() })
    .from(syncs)
    .where(and(inArray(syncs.tenantId, tenantIds), eq(syncs.state, 'blocked'), eq(syncs.failureClass, 'authorization')))
    .groupBy(syncs.tenantId);
  return new Map(rows.map((r) => [r.tenantId, Number(r.n)]));
}

export interface Evidence {
  synced: number;
  attempts: number;
  retries: number;
}

/** Audit evidence since a moment: records that reached QuickBooks, push attempts, and automatic or human retries. */
export async function evidenceSince(db: Db, since: Date, tenantId?: string): Promise<Evidence> {
  const [synced, attempts] = await Promise.all([
    db
      .select({ n: sql<number>`count(distinct ${syncEvents.workflowId})::int` })
      .from(syncEvents)
      .where(and(gte(syncEvents.at, since), inArray(syncEvents.kind, ['synced', 'linked']), tenantCond(syncEvents.tenantId, tenantId))),
    db
      .select({
        attempts: sql<number>`count(*)::int`,
        retries: sql<number>`(count(*) filter (where ${syncAttempts.activityAttempt} > 1 or ${syncAttempts.attemptNo} > 1))::int`,
      })
      .from(syncAttempts)
      .where(and(gte(syncAttempts.startedAt, since), tenantCond(syncAttempts.tenantId, tenantId))),
  ]);
  return { synced: Number(synced[0]?.n ?? 0), attempts: Number(attempts[0]?.attempts ?? 0), retries: Number(attempts[0]?.retries ?? 0) };
}

export interface TrendDay {
  /** YYYY-MM-DD (UTC). */
  day: string;
  synced: number;
  blocked: number;
}

/** Per UTC day, records that reached QuickBooks and records that became blocked, for the last `days` days. */
export async function syncTrend(db: Db, now: Date, days = 14, tenantId?: string): Promise<TrendDay[]> {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));
  const rows = await db
    .select({
      day: sql<string>`to_char(${syncEvents.at} at time zone 'UTC', 'YYYY-MM-DD')`,
      synced: sql<number>`(count(distinct ${syncEvents.workflowId}) filter (where ${syncEvents.kind} in ('synced', 'linked')))::int`,
      blocked: sql<number>`(count(distinct ${syncEvents.workflowId}) filter (where ${syncEvents.kind} = 'blocked'))::int`,
    })
    .from(syncEvents)
    .where(and(gte(syncEvents.at, start), inArray(syncEvents.kind, ['synced', 'linked', 'blocked']), tenantCond(syncEvents.tenantId, tenantId)))
    .groupBy(sql`1`);
  const byDay = new Map(rows.map((r) => [r.day, r]));
  return Array.from({ length: days }, (_, i) => {
    const day = new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10);
    const r = byDay.get(day);
    return { day, synced: Number(r?.synced ?? 0), blocked: Number(r?.blocked ?? 0) };
  });
}

/** The versions AWRA sent for one record, newest first. */
export async function sourceVersions(db: Db, key: { tenantId: string; recordType: string; sourceId: string }, limit = 10): Promise<SourceRecordRow[]> {
  return db
    .select()
    .from(sourceRecords)
    .where(and(eq(sourceRecords.tenantId, key.tenantId), eq(sourceRecords.recordType, key.recordType), eq(sourceRecords.sourceId, key.sourceId)))
    .orderBy(desc(sourceRecords.version))
    .limit(limit);
}

/** Human actions recorded against one record (including refused ones), newest first. */
export async function auditForTarget(db: Db, tenantId: string, target: string, limit = 50): Promise<AuditEventRow[]> {
  return db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.tenantId, tenantId), eq(auditEvents.target, target)))
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(limit);
}

export interface MappingValue {
  key: string;
  /** Records whose latest version uses this value. */
  usedBy: number;
  qboId: string | null;
  qboName: string | null;
  status: 'active' | 'stale' | null;
  staleReason: string | null;
  updatedBy: string | null;
  updatedAt: Date | null;
  /** Records blocked on this value right now, and the money they hold up. */
  held: number;
  heldAmounts: MoneyTotal[];
}

/**
 * Every AWRA value of one mapping kind the tenant uses or has mapped: from the latest version of each source record
 * (its stored required references), the mappings table, and the blocked records' mapping checks.
 */
export async function mappingValues(db: Db, tenantId: string, kind: MappingKind, limit = 300): Promise<{ values: MappingValue[]; truncated: boolean }> {
  const rows = (await db.execute(sql`
    with latest as (
      select distinct on (record_type, source_id) refs
        from source_records where tenant_id = ${tenantId}
       order by record_type, source_id, version desc
    ),
    used as (
      select r->>'key' as key, count(*)::int as used_by
        from latest cross join lateral jsonb_array_elements(latest.refs) r
       where r->>'kind' = ${kind} group by 1
    ),
    held as (
      select m->>'key' as key, s.currency, count(*)::int as n, coalesce(sum(s.amount_minor), 0)::text as total
        from syncs s cross join lateral jsonb_array_elements(s.mappings) m
       where s.tenant_id = ${tenantId} and s.state = 'blocked' and m->>'kind' = ${kind} and m->>'ok' = 'false'
       group by 1, 2
    ),
    mp as (select * from mappings where tenant_id = ${tenantId} and kind = ${kind}),
    keys as (select key from used union select source_key from mp union select key from held)
    select k.key, coalesce(u.used_by, 0) as used_by, mp.qbo_id, mp.qbo_name, mp.status, mp.stale_reason, mp.updated_by,
           (extract(epoch from mp.updated_at) * 1000)::float8 as updated_ms,
           coalesce((select jsonb_agg(jsonb_build_object('currency', h.currency, 'n', h.n, 'total', h.total)) from held h where h.key = k.key), '[]'::jsonb) as held
      from keys k
      left join used u on u.key = k.key
      left join mp on mp.source_key = k.key
     order by (select coalesce(sum(h.n), 0) from held h where h.key = k.key) desc, (mp.qbo_id is not null), k.key
     limit ${limit + 1}`)) as unknown as Array<Record<string, unknown>>;
  const values = rows.slice(0, limit).map((r) => {
    const held = (typeof r.held === 'string' ? JSON.parse(r.held) : r.held) as Array<{ currency: string | null; n: number; total: string }>;
    return {
      key: String(r.key),
      usedBy: Number(r.used_by),
      qboId: (r.qbo_id as string | null) ?? null,
      qboName: (r.qbo_name as string | null) ?? null,
      status: (r.status as 'active' | 'stale' | null) ?? null,
      staleReason: (r.stale_reason as string | null) ?? null,
      updatedBy: (r.updated_by as string | null) ?? null,
      updatedAt: r.updated_ms === null || r.updated_ms === undefined ? null : new Date(Number(r.updated_ms)),
      held: held.reduce((s, h) => s + Number(h.n), 0),
      heldAmounts: held.filter((h) => h.currency).map((h) => ({ currency: h.currency!, amountMinor: Number(h.total) })),
    };
  });
  return { values, truncated: rows.length > limit };
}

/** Active entities of the QuickBooks reference cache whose name (or id) matches, for the mapping search. */
export async function searchQboRefs(db: Db, tenantId: string, entity: string, q: string, limit = 15): Promise<QboRefRow[]> {
  const term = q.trim();
  const like = `%${term.replace(/[%_\\]/g, (ch) => `\\${ch}`)}%`;
  return db
    .select()
    .from(qboRefs)
    .where(
      and(
        eq(qboRefs.tenantId, tenantId),
        eq(qboRefs.entity, entity),
        eq(qboRefs.status, 'active'),
        term ? sql`(${ilike(qboRefs.name, like)} or ${qboRefs.qboId} = ${term})` : undefined,
      ),
    )
    .orderBy(asc(qboRefs.name))
    .limit(limit);
}

export async function findQboRef(db: Db, tenantId: string, entity: string, qboId: string): Promise<QboRefRow | undefined> {
  const [row] = await db
    .select()
    .from(qboRefs)
    .where(and(eq(qboRefs.tenantId, tenantId), eq(qboRefs.entity, entity), eq(qboRefs.qboId, qboId)));
  return row;
}

export async function qboRefCount(db: Db, tenantId: string, entity: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(qboRefs).where(and(eq(qboRefs.tenantId, tenantId), eq(qboRefs.entity, entity)));
  return Number(row?.n ?? 0);
}

export interface AuditFilter {
  /** Undefined: every tenant, including events that belong to none (sign-ins). */
  tenantId?: string;
  actor?: string;
  action?: string;
  /** YYYY-MM-DD, inclusive, UTC. */
  from?: string;
  to?: string;
}

function auditConds(f: AuditFilter): SQL | undefined {
  const conds: Array<SQL | undefined> = [];
  if (f.tenantId) conds.push(eq(auditEvents.tenantId, f.tenantId));
  if (f.actor) conds.push(ilike(auditEvents.actor, `%${f.actor.replace(/[%_\\]/g, (ch) => `\\${ch}`)}%`));
  if (f.action) conds.push(sql`(${auditEvents.action} = ${f.action} or ${auditEvents.action} like ${`${f.action.replace(/[%_\\]/g, (ch) => `\\${ch}`)}.%`})`);
  if (f.from) conds.push(gte(auditEvents.at, new Date(`${f.from}T00:00:00Z`)));
  if (f.to) conds.push(lt(auditEvents.at, new Date(new Date(`${f.to}T00:00:00Z`).getTime() + 86_400_000)));
  return conds.length ? and(...conds) : undefined;
}

/** An audit event, with the record's number when its target is a record's workflow. */
export type AuditListRow = AuditEventRow & { recordNumber: string | null; recordType: string | null };

export async function auditPage(db: Db, f: AuditFilter, page: { limit: number; offset: number }): Promise<{ rows: AuditListRow[]; hasMore: boolean }> {
  const rows = await db
    .select({ event: auditEvents, recordNumber: syncs.number, recordType: syncs.recordType })
    .from(auditEvents)
    .leftJoin(syncs, eq(syncs.workflowId, auditEvents.target))
    .where(auditConds(f))
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(page.limit + 1)
    .offset(page.offset);
  return { rows: rows.slice(0, page.limit).map((r) => ({ ...r.event, recordNumber: r.recordNumber, recordType: r.recordType })), hasMore: rows.length > page.limit };
}

export async function auditActions(db: Db, tenantId?: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ action: auditEvents.action })
    .from(auditEvents)
    .where(tenantCond(auditEvents.tenantId, tenantId))
    .orderBy(asc(auditEvents.action));
  return rows.map((r) => r.action);
}

export interface LastReconcile {
  at: Date;
  actor: string;
  succeeded: boolean;
  detail: Record<string, unknown> | null;
}

/** Each tenant's latest reconciliation (the audit row its run wrote). */
export async function lastReconciliations(db: Db, tenantIds: string[]): Promise<Map<string, LastReconcile>> {
  if (tenantIds.length === 0) return new Map();
  const rows = await db
    .selectDistinctOn([auditEvents.tenantId], { tenantId: auditEvents.tenantId, at: auditEvents.at, actor: auditEvents.actor, succeeded: auditEvents.succeeded, detail: auditEvents.detail })
    .from(auditEvents)
    .where(and(inArray(auditEvents.tenantId, tenantIds), eq(auditEvents.action, 'tenant.reconcile')))
    .orderBy(auditEvents.tenantId, desc(auditEvents.at));
  return new Map(rows.map((r) => [r.tenantId!, { at: r.at, actor: r.actor, succeeded: r.succeeded, detail: r.detail }]));
}
