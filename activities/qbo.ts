import { ApplicationFailure, Context } from '@temporalio/activity';
import { and, eq, lte } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import type { TokenStore } from '../db/queries/connections.ts';
import { markMappingStale, upsertMapping } from '../db/queries/mappings.ts';
import { KIND_ENTITY } from '../db/queries/refs.ts';
import { getSync, projectSync, recordAttempt } from '../db/queries/syncs.ts';
import { getRecordVersion } from '../db/queries/records.ts';
import { awraRecordSchema } from '../domain/records.ts';
import { checkReadiness, isReady } from '../domain/readiness.ts';
import { createMappingActivities, type MappingResult } from './mappings.ts';
import { syncAttempts, syncs, type QboConnectionRow } from '../db/schema.ts';
import { ErrorTypes } from '../domain/errors.ts';
import type { ReadinessContext } from '../domain/readiness.ts';
import type { AwraRecord } from '../domain/records.ts';
import type { AttemptEvidence, DuplicateCandidate, ExternalRef, ProjectionFacts, ReadinessCheck, SyncEvent, SyncStatus } from '../domain/sync.ts';
import { isMasterRecordType, type MappingKind } from '../domain/vocabulary.ts';
import { classifyQboResponse, type QboClassification } from '../qbo/classify.ts';
import { entityFrom, qboAppUrl, queryRows, type QboClient, type QboResponse } from '../qbo/client.ts';
import { duplicateLookupQuery, qboEntityFor, toQboPayload, type QboEntityName, type ResolvedRef } from '../qbo/mappers.ts';
import type { QboOAuth } from '../qbo/oauth.ts';
import { createRealmCaller } from './realm-call.ts';
import { writeStorable } from './storable.ts';
import type { WorkerMetrics } from '../runtime/metrics.ts';
import type { QboEntity } from '../qbo/types.ts';
import { resumeWaiting } from '../runtime/resume.ts';

type CompanyPrefs = {
  CurrencyPrefs?: { HomeCurrency?: { value?: string }; MultiCurrencyEnabled?: boolean };
  AccountingInfoPrefs?: { BookCloseDate?: string };
};

export interface QboActivityDeps {
  db: Db;
  /** How long a realm's company preferences are reused (default 30 s). */
  preferencesTtlMs?: number;
  metrics?: WorkerMetrics;
  tokens: TokenStore;
  /** A client for an API base URL (one shared per-realm limiter behind all of them). */
  clientFor(baseUrl: string): QboClient;
  /** The OAuth client for a connection (its token endpoint: Intuit's, or the simulator's). */
  oauthFor(connection: QboConnectionRow): QboOAuth;
  /** Web-app base of the QuickBooks UI per environment, for deep links (the simulator's ledger in development). */
  appBaseUrlFor?(connection: { environment: QboConnectionRow['environment']; baseUrl: string }): string | undefined;
  /** Refresh the access token when it expires within this many ms. */
  refreshAheadMs?: number;
  now?: () => number;
}

/** A realm as the workflow sees it before it validates a record. */
export interface RealmContext extends ReadinessContext {
  connected: boolean;
  realmId?: string;
  environment?: QboConnectionRow['environment'];
  status?: QboConnectionRow['status'];
}

export interface DuplicateResult {
  adopt: ExternalRef | null;
  candidates: DuplicateCandidate[];
}

/** What prepareSync found; the parts after the first blocking step are absent. */
export interface PreparedSync {
  record: AwraRecord;
  realm: RealmContext;
  readiness: ReadinessCheck[];
  mapping?: MappingResult;
  duplicates?: DuplicateResult;
  /** The QuickBooks entity an earlier run of this record created or linked: a newer version updates it. */
  existingRef?: ExternalRef;
  /** The projection's change counter: a new run of the record continues it, so its writes are not taken as stale. */
  projectedSeq: number;
}

export interface PushInput {
  tenantId: string;
  workflowId: string;
  record: AwraRecord;
  refs: Array<[string, ResolvedRef]>;
  requestId: string;
  attemptNo: number;
  /** The user chose "create anyway": let QuickBooks accept a duplicate DocNumber. */
  allowDuplicate: boolean;
  /** A newer version of a record already in QuickBooks: update this entity (sparse update) instead of creating. */
  updateOf?: ExternalRef;
  homeCurrency?: string | null;
  multicurrency?: boolean;
  /** So a retrying attempt shows in the projection without overtaking a newer workflow state. */
  projectionSeq: number;
  /** The workflow's state as the push starts ("syncing"), projected here rather than by a separate step. */
  projection?: { status: SyncStatus; events: SyncEvent[]; facts: ProjectionFacts };
  retryCountBefore: number;
}

export interface PushResult {
  externalRef: ExternalRef;
  /** Temporal's attempt number of this activity: automatic retries are attempt − 1. */
  activityAttempt: number;
  adopted: boolean;
}

/** What a failed push tells the workflow (ApplicationFailure details[0]). */
export interface PushFailureDetails {
  classification: QboClassification;
  activityAttempt: number;
  requestId: string;
}

function summarize(c: QboClassification): string {
  const parts = [c.code && `code ${c.code}`, c.message, c.detail].filter(Boolean);
  return parts.length ? parts.join(': ') : 'no details';
}

function externalRefFrom(entityName: QboEntityName, e: QboEntity, url?: string): ExternalRef {
  const docNumber = (e as { DocNumber?: string }).DocNumber;
  return {
    entity: entityName,
    qboId: String(e.Id),
    ...(e.SyncToken !== undefined ? { syncToken: String(e.SyncToken) } : {}),
    ...(docNumber ? { docNumber } : {}),
    ...(url ? { url } : {}),
  };
}

/** Does this QuickBooks entity carry our own audit note (or, for items, our SKU)? Then we created it. */
function isOurs(record: AwraRecord, e: Record<string, unknown>): boolean {
  if (record.recordType === 'item') return e.Sku === record.data.sku;
  const note = String(e.PrivateNote ?? e.Notes ?? '');
  return note.includes(`(src ${record.sourceId} v`);
}

function candidateLabel(entityName: QboEntityName, e: Record<string, unknown>): string {
  const name = (e.DisplayName ?? e.Name ?? (e.VendorRef as { name?: string } | undefined)?.name ?? (e.CustomerRef as { name?: string } | undefined)?.name) as string | undefined;
  const doc = e.DocNumber ?? e.PaymentRefNum;
  return [entityName, doc && `#${String(doc)}`, name, e.TotalAmt !== undefined && `total ${String(e.TotalAmt)}`, e.TxnDate && `dated ${String(e.TxnDate)}`]
    .filter(Boolean)
    .join(' · ');
}

export function createQboActivities(deps: QboActivityDeps) {
  const now = deps.now ?? Date.now;

  const { callQbo } = createRealmCaller(deps);
  const mappingChecks = createMappingActivities(deps);
  // Company preferences (closing date, currencies) change rarely; reading them for every record would spend a
  // large share of the realm's 500 requests/minute. A closing date set meanwhile still fails safe: QBO answers 6210.
  const prefsTtl = deps.preferencesTtlMs ?? 30_000;
  // Single flight: when the entry expires, the hundred prepareSync activities in flight share one read instead of
  // each spending a request (that was ~10 % of a busy realm's budget; docs/benchmarks.md).
  const prefsCache = new Map<string, { at: number; realmId: string; prefs: Promise<CompanyPrefs> }>();

  function failIfNotOk(resp: QboResponse, what: string): void {
    if (resp.ok) return;
    const c = classifyQboResponse(resp);
    throw ApplicationFailure.create({
      type: c.class === 'authorization' ? ErrorTypes.QboAuthorization : c.retryable ? ErrorTypes.QboRetryable : ErrorTypes.QboRejected,
      message: `QuickBooks could not ${what} (${c.class}; ${summarize(c)}).`,
      nonRetryable: !c.retryable,
      details: [{ classification: c, activityAttempt: Context.current().info.attempt, requestId: '' }],
    });
  }

  async function deepLink(tenantId: string, entity: QboEntityName, id: string): Promise<string | undefined> {
    const row = await deps.tokens.row(tenantId);
    if (!row) return undefined;
    const base = deps.appBaseUrlFor?.(row);
    if (row.environment === 'simulator' && !base) return undefined;
    return qboAppUrl(row.environment === 'production' ? 'production' : 'sandbox', entity, id, base);
  }

  /** Entities that may already be this record in QuickBooks: by DocNumber / DisplayName / Name. */
  async function lookup(tenantId: string, record: AwraRecord): Promise<{ entity: QboEntityName; rows: Record<string, unknown>[] }> {
    const { entity, query } = duplicateLookupQuery(record);
    const resp = await callQbo(tenantId, (client, ctx) => client.query(ctx, query));
    failIfNotOk(resp, 'search for an existing entity');
    return { entity, rows: queryRows(resp, entity) as unknown as Record<string, unknown>[] };
  }

  /**
   * QuickBooks refused a reference (610 / 2500) without always naming it: read each entity the payload referred to
   * and mark the mappings whose entity is gone or inactive as stale, so the gap shows (and holds the next record)
   * instead of failing again.
   */
  async function markRefusedRefsStale(tenantId: string, refs: Array<[string, ResolvedRef]>, why: string): Promise<void> {
    for (const [id, ref] of refs) {
      const [kind, ...rest] = id.split(':');
      const entity = KIND_ENTITY[kind as MappingKind];
      if (!entity || rest.length === 0) continue;
      const resp = await callQbo(tenantId, (client, ctx) => client.read(ctx, entity as QboEntityName, ref.qboId));
      const e = resp.ok ? (entityFrom(resp, entity as QboEntityName) as { Active?: boolean; Name?: string; DisplayName?: string } | undefined) : undefined;
      const gone = resp.status === 400 || resp.status === 404 || (resp.ok && !e);
      if (gone || e?.Active === false) {
        const name = e?.DisplayName ?? e?.Name ?? ref.qboId;
        await markMappingStale(deps.db, tenantId, kind!, ref.qboId, `QuickBooks refused ${entity} ${name}: ${gone ? 'it no longer exists' : 'it is inactive'} (${why})`);
      }
    }
  }

  /** The QuickBooks company's closing date, currency settings and connection state. */
  async function loadRealm(tenantId: string): Promise<RealmContext> {
    const creds = await deps.tokens.credentials(tenantId);
    if (!creds) return { connected: false };
    const read = async (): Promise<CompanyPrefs> => {
      const resp = await callQbo(tenantId, (client, ctx) => client.preferences(ctx));
      failIfNotOk(resp, 'read the company preferences');
      return (entityFrom(resp, 'Preferences' as QboEntityName) ?? {}) as CompanyPrefs;
    };
    const cached = prefsCache.get(tenantId);
    let prefs: CompanyPrefs;
    if (cached && now() - cached.at < prefsTtl && cached.realmId === creds.realmId) {
      // Another activity's read failed (or was cancelled with it): read for this one, its failure is this one's.
      prefs = await cached.prefs.catch(read);
    } else {
      const shared = read();
      const entry = { at: now(), realmId: creds.realmId, prefs: shared };
      prefsCache.set(tenantId, entry);
      shared.catch(() => {
        if (prefsCache.get(tenantId) === entry) prefsCache.delete(tenantId);
      });
      prefs = await shared;
    }
    return {
      connected: true,
      realmId: creds.realmId,
      environment: creds.environment,
      status: creds.status,
      closingDate: prefs?.AccountingInfoPrefs?.BookCloseDate ?? null,
      homeCurrency: prefs?.CurrencyPrefs?.HomeCurrency?.value ?? null,
      multicurrency: prefs?.CurrencyPrefs?.MultiCurrencyEnabled ?? false,
    };
  }

  /**
   * Duplicate risk before a create (DESIGN.md §3 step 3). An entity carrying our own audit note is this record
   * from an earlier attempt whose answer was lost: it is adopted, not created again. Anything else with the same
   * DocNumber / name is a candidate for a person to decide on; so is an earlier attempt of ours whose outcome is
   * still unknown.
   */
  async function findDuplicates(tenantId: string, workflowId: string, record: AwraRecord): Promise<DuplicateResult> {
    const { entity, rows } = await lookup(tenantId, record);
    const ours = rows.find((r) => isOurs(record, r));
    if (ours) {
      return { adopt: externalRefFrom(entity, ours as unknown as QboEntity, await deepLink(tenantId, entity, String(ours.Id))), candidates: [] };
    }
    const candidates: DuplicateCandidate[] = rows.map((r) => ({
      entity,
      qboId: String(r.Id),
      label: candidateLabel(entity, r),
      ...(r.DocNumber ? { docNumber: String(r.DocNumber) } : {}),
      ...(r.TotalAmt !== undefined ? { amount: String(r.TotalAmt) } : {}),
      ...(r.TxnDate ? { txnDate: String(r.TxnDate) } : {}),
      source: 'qbo_query' as const,
    }));
    const uncertain = await deps.db
      .select()
      .from(syncAttempts)
      .where(and(eq(syncAttempts.workflowId, workflowId), eq(syncAttempts.class, 'outcome_uncertain')));
    for (const a of uncertain) {
      candidates.push({
        entity,
        qboId: '',
        label: `An earlier attempt (${a.requestId}, ${a.startedAt.toISOString()}) got no clear answer from QuickBooks and nothing matching was found; it may still appear.`,
        source: 'attempt_ledger',
      });
    }
    return { adopt: null, candidates };
  }

  return {
    findDuplicates: (input: { tenantId: string; workflowId: string; record: AwraRecord }) => findDuplicates(input.tenantId, input.workflowId, input.record),

    /**
     * Everything the workflow decides on before a push, in one activity (so a clean sync's history stays short):
     * the stored record version, the company's settings, the readiness checks, the mappings, and — when all of those
     * pass — the duplicate-risk lookup. It stops at the first step that blocks, like the workflow would.
     */
    async prepareSync(input: { tenantId: string; workflowId: string; recordType: AwraRecord['recordType']; sourceId: string; version: number; skipDuplicates: boolean }): Promise<PreparedSync> {
      const record = await getRecordVersion(deps.db, input);
      if (!record) {
        throw ApplicationFailure.create({ type: ErrorTypes.RecordNotFound, message: `Version ${input.version} of ${input.recordType} ${input.sourceId} is not stored.`, nonRetryable: true });
      }
      const parsed = awraRecordSchema.parse(record);
      const earlier = await getSync(deps.db, input.tenantId, input.workflowId);
      const existing = { projectedSeq: earlier?.seq ?? 0, ...(earlier?.externalRef ? { existingRef: earlier.externalRef } : {}) };
      if (parsed.status === 'void') return { record: parsed, realm: { connected: false }, readiness: [], ...existing };
      const realm = await loadRealm(input.tenantId);
      const readiness = checkReadiness(parsed, realm);
      if (!isReady(readiness) || !realm.connected) return { record: parsed, realm, readiness, ...existing };
      const mapping = await mappingChecks.checkMappings({ tenantId: input.tenantId, record: parsed });
      // An update of an entity we already created needs no duplicate check.
      if (mapping.checks.some((m) => !m.ok) || input.skipDuplicates || earlier?.externalRef) return { record: parsed, realm, readiness, mapping, ...existing };
      const duplicates = await findDuplicates(input.tenantId, input.workflowId, parsed);
      return { record: parsed, realm, readiness, mapping, duplicates, ...existing };
    },

    /** Reads a QuickBooks entity someone chose to link this record to; fails clearly if it does not exist. */
    async readEntity(input: { tenantId: string; recordType: AwraRecord['recordType']; qboId: string }): Promise<ExternalRef> {
      const entity = qboEntityFor(input.recordType);
      const resp = await callQbo(input.tenantId, (client, ctx) => client.read(ctx, entity, input.qboId));
      failIfNotOk(resp, `find ${entity} ${input.qboId}`);
      const e = entityFrom(resp, entity);
      if (!e) throw ApplicationFailure.create({ type: ErrorTypes.QboRejected, message: `QuickBooks has no ${entity} ${input.qboId}.`, nonRetryable: true });
      return externalRefFrom(entity, e, await deepLink(input.tenantId, entity, input.qboId));
    },

    /**
     * Sends the create with the logical attempt's requestid (the same on every automatic retry), classifies the
     * answer and records it as evidence. After an answer that left the outcome unknown, QuickBooks is searched
     * first, so a lost response never becomes a second entity.
     */
    async pushRecord(input: PushInput): Promise<PushResult> {
      const info = Context.current().info;
      const activityAttempt = info.attempt;
      const projection = input.projection;
      if (projection) await writeStorable('projection', projection, (v) => projectSync(deps.db, v.status, v.events, v.facts), { workflowId: input.workflowId });
      const entity = qboEntityFor(input.record.recordType);
      // Only a create can have happened unseen; an update is retried with the same requestid (QuickBooks replays it).
      if (activityAttempt > 1 && !input.updateOf) {
        const [earlier] = await deps.db
          .select({ id: syncAttempts.id })
          .from(syncAttempts)
          .where(and(eq(syncAttempts.workflowId, input.workflowId), eq(syncAttempts.attemptNo, input.attemptNo), eq(syncAttempts.class, 'outcome_uncertain')))
          .limit(1);
        if (earlier) {
          const { rows } = await lookup(input.tenantId, input.record);
          const ours = rows.find((r) => isOurs(input.record, r));
          if (ours) {
            const ref = externalRefFrom(entity, ours as unknown as QboEntity, await deepLink(input.tenantId, entity, String(ours.Id)));
            return { externalRef: ref, activityAttempt, adopted: true };
          }
        }
      }
      const payload = toQboPayload(input.record, new Map(input.refs), { homeCurrency: input.homeCurrency ?? null, multicurrency: input.multicurrency ?? false });
      const startedAt = new Date(now()).toISOString();
      const updateOf = input.updateOf;
      const resp = await callQbo(input.tenantId, async (client, ctx) => {
        if (!updateOf) return client.create(ctx, payload.entity, payload.body, { requestId: input.requestId, allowDuplicateDocNum: input.allowDuplicate });
        // Read the current SyncToken right before the update (a token from an earlier read may be stale: 5010).
        const current = await client.read(ctx, payload.entity, updateOf.qboId);
        const token = current.ok ? (entityFrom(current, payload.entity) as { SyncToken?: string } | undefined)?.SyncToken : undefined;
        if (token === undefined) return current;
        return client.sparseUpdate(ctx, payload.entity, { ...payload.body, Id: updateOf.qboId, SyncToken: String(token) }, { requestId: input.requestId });
      });
      const c = classifyQboResponse(resp);
      deps.metrics?.pushAttempts.inc({ class: c.class });
      if (activityAttempt > 1) deps.metrics?.retries.inc();
      // A routine acceptance is evidence in Postgres and history already; what went wrong is worth a log line.
      Context.current().log[c.class === 'accepted' ? 'debug' : 'info']('QuickBooks answered a push', {
        tenantId: input.tenantId,
        recordNumber: input.record.number,
        requestId: input.requestId,
        class: c.class,
        httpStatus: resp.status,
        ...(c.code ? { code: c.code } : {}),
        ...(resp.intuitTid ? { intuitTid: resp.intuitTid } : {}),
      });
      const evidence: AttemptEvidence = {
        attemptNo: input.attemptNo,
        activityAttempt,
        requestId: input.requestId,
        startedAt,
        finishedAt: new Date(now()).toISOString(),
        httpStatus: resp.status,
        class: c.class,
        ...(c.code ? { code: c.code } : {}),
        ...(c.message ? { message: c.message } : resp.transportError ? { message: resp.transportError } : {}),
        ...(c.detail ? { detail: c.detail } : {}),
        ...(c.element ? { element: c.element } : {}),
        ...(c.intuitTid ?? resp.intuitTid ? { intuitTid: c.intuitTid ?? resp.intuitTid } : {}),
      };
      // What QuickBooks said is stored as it came, unless Postgres cannot store it (see activities/storable.ts).
      await writeStorable('attempt evidence', evidence, (v) => recordAttempt(deps.db, input.workflowId, input.tenantId, v), { workflowId: input.workflowId });
      if (c.class === 'accepted') {
        const created = entityFrom(resp, payload.entity);
        if (!created) throw new Error(`QuickBooks accepted the ${payload.entity} but returned no entity`);
        return { externalRef: externalRefFrom(entity, created, await deepLink(input.tenantId, entity, String(created.Id))), activityAttempt, adopted: false };
      }
      if (c.class === 'mapping') await markRefusedRefsStale(input.tenantId, input.refs, summarize(c));
      if (c.retryable) {
        await deps.db
          .update(syncs)
          .set({
            state: 'retrying',
            failureClass: c.class,
            owner: 'system',
            retryCount: input.retryCountBefore + activityAttempt,
            actionNeeded: `QuickBooks answered "${summarize(c)}"; retrying automatically with the same request id ${input.requestId}.`,
            updatedAt: new Date(),
          })
          .where(and(eq(syncs.workflowId, input.workflowId), lte(syncs.seq, input.projectionSeq)));
      }
      const details: PushFailureDetails = { classification: c, activityAttempt, requestId: input.requestId };
      throw ApplicationFailure.create({
        type: c.class === 'authorization' ? ErrorTypes.QboAuthorization : c.class === 'outcome_uncertain' ? ErrorTypes.QboOutcomeUncertain : c.retryable ? ErrorTypes.QboRetryable : ErrorTypes.QboRejected,
        message: `QuickBooks ${c.retryable ? 'did not accept the request this time' : 'rejected the record'}: ${summarize(c)}`,
        nonRetryable: !c.retryable,
        details: [details],
      });
    },

    /**
     * After a master record (vendor, customer, item) or an invoice syncs: its QuickBooks id becomes a mapping and
     * every record waiting on it is told, so it continues by itself.
     */
    async afterSync(input: { tenantId: string; record: AwraRecord; externalRef: ExternalRef; actor: string }): Promise<{ resumed: number }> {
      const { record } = input;
      let kind: MappingKind | 'invoice';
      if (isMasterRecordType(record.recordType)) {
        kind = record.recordType as MappingKind;
        const name = record.recordType === 'item' ? record.data.name : 'displayName' in record.data ? record.data.displayName : undefined;
        await upsertMapping(deps.db, { tenantId: input.tenantId, kind, sourceKey: record.sourceId, qboId: input.externalRef.qboId, qboName: name ?? null, updatedBy: input.actor });
      } else if (record.recordType === 'invoice') {
        kind = 'invoice';
      } else {
        return { resumed: 0 };
      }
      return { resumed: await resumeWaiting(deps.db, Context.current().client, input.tenantId, kind, record.sourceId) };
    },
  };
}
