import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../db/client.ts';
import type { TokenStore } from '../db/queries/connections.ts';
import { upsertMapping } from '../db/queries/mappings.ts';
import { lastAttemptNo } from '../db/queries/attempts.ts';
import { getRecordVersion } from '../db/queries/records.ts';
import { getSync } from '../db/queries/syncs.ts';
import type { QboConnectionRow } from '../db/schema.ts';
import { externalRefFrom } from '../domain/duplicates.ts';
import { ErrorTypes } from '../domain/errors.ts';
import { checkReadiness, isReady } from '../domain/readiness.ts';
import { isTxnDependencyKind, type RefKind } from '../domain/required-mappings.ts';
import { awraRecordSchema, type AwraRecord } from '../domain/records.ts';
import type { ExternalRef } from '../domain/sync.ts';
import { isMasterRecordType, type MappingKind, type SyncState } from '../domain/vocabulary.ts';
import { entityFrom, type QboClient } from '../qbo/client.ts';
import { qboEntityFor } from '../qbo/mappers.ts';
import type { QboOAuth } from '../qbo/oauth.ts';
import { productFailure } from '../qbo/failure.ts';
import type { WorkerMetrics } from '../runtime/metrics.ts';
import { resumeWaiting } from '../services/resume.ts';
import type { PrepareInput, PreparedSync } from '../workflows/sync-record/types.ts';
import { createCleanSync } from './clean-sync.ts';
import { createCompanyReader } from './company.ts';
import { createCreditApplier } from './credit.ts';
import { createDuplicateFinder } from './duplicates.ts';
import { createMappingActivities } from './mappings.ts';
import { createPusher } from './push.ts';
import { createRealmCaller } from './realm-call.ts';
import type { RealmBatchingOptions } from './realm-batcher.ts';
import { createVoider } from './void.ts';

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
  /** Records of one realm ready together share lookups and `/batch` writes (activities/realm-batcher.ts); off if absent. */
  batching?: RealmBatchingOptions;
  now?: () => number;
}

/** The activities of a record's sync that talk to QuickBooks: prepare, push, link, and what follows a sync. */
export function createQboActivities(deps: QboActivityDeps) {
  const realm = createRealmCaller(deps);
  const loadRealm = createCompanyReader(deps, realm);
  const duplicates = createDuplicateFinder(deps.db, realm);
  const { pushRecord } = createPusher(deps, realm, duplicates);
  const mappingChecks = createMappingActivities(deps);
  const voidRecord = createVoider(deps, realm);
  const applyCredit = createCreditApplier(deps, realm);

  const activities = {
    findDuplicates: (input: { tenantId: string; workflowId: string; record: AwraRecord }) => duplicates.findDuplicates(input.tenantId, input.workflowId, input.record),

    /**
     * Everything the workflow decides on before a push, in one activity (so a clean sync's history stays short):
     * the stored record version, the company's settings, the readiness checks, the mappings, and — when all of those
     * pass — the duplicate-risk lookup. It stops at the first step that blocks, like the workflow would.
     */
    async prepareSync(input: PrepareInput): Promise<PreparedSync> {
      const record = await getRecordVersion(deps.db, input);
      if (!record) {
        throw ApplicationFailure.create({ type: ErrorTypes.RecordNotFound, message: `Version ${input.version} of ${input.recordType} ${input.sourceId} is not stored.`, nonRetryable: true });
      }
      const parsed = awraRecordSchema.parse(record);
      const earlier = await getSync(deps.db, input.tenantId, input.workflowId);
      const existing = {
        projectedSeq: earlier?.seq ?? 0,
        lastAttemptNo: earlier ? await lastAttemptNo(deps.db, input.workflowId) : 0,
        ...(earlier?.externalRef ? { existingRef: earlier.externalRef } : {}),
        ...(earlier ? { existingDrift: earlier.drift ?? null, projectedState: earlier.state as SyncState, projectedVersion: earlier.version } : {}),
      };
      if (parsed.status === 'void') return { record: parsed, realm: { connected: false }, readiness: [], ...existing };
      const company = await loadRealm(input.tenantId);
      const readiness = checkReadiness(parsed, company);
      if (!isReady(readiness) || !company.connected) return { record: parsed, realm: company, readiness, ...existing };
      const mapping = await mappingChecks.checkMappings({ tenantId: input.tenantId, record: parsed });
      // An update of an entity we already created needs no duplicate check.
      if (mapping.checks.some((m) => !m.ok) || input.skipDuplicates || earlier?.externalRef) return { record: parsed, realm: company, readiness, mapping, ...existing };
      const found = await duplicates.findDuplicates(input.tenantId, input.workflowId, parsed);
      return { record: parsed, realm: company, readiness, mapping, duplicates: found, ...existing };
    },

    /** Reads a QuickBooks entity someone chose to link this record to; fails clearly if it does not exist. */
    async readEntity(input: { tenantId: string; recordType: AwraRecord['recordType']; qboId: string }): Promise<ExternalRef> {
      const entity = qboEntityFor(input.recordType);
      const resp = await realm.callQbo(input.tenantId, (client, ctx) => client.read(ctx, entity, input.qboId));
      realm.expectOk(resp, `find ${entity} ${input.qboId}`);
      const e = entityFrom(resp, entity);
      if (!e) throw productFailure('provider_rejection', `QuickBooks has no ${entity} ${input.qboId}.`);
      return externalRefFrom(entity, e, await realm.deepLink(input.tenantId, entity, input.qboId));
    },

    pushRecord,

    /** AWRA voided a synced record: void, delete or close its QuickBooks entity (activities/void.ts). */
    voidRecord,

    /** A credit note's CreditMemo is in QuickBooks: apply it to its invoices (activities/credit.ts). */
    applyCredit,

    /**
     * After a master record (vendor, customer, item) syncs its QuickBooks id becomes a mapping; after it or an
     * invoice, bill or purchase order syncs, every record waiting on it is told, so it continues by itself.
     */
    async afterSync(input: { tenantId: string; record: AwraRecord; externalRef: ExternalRef; actor: string }): Promise<{ resumed: number }> {
      const { record } = input;
      let kind: RefKind;
      if (isMasterRecordType(record.recordType)) {
        kind = record.recordType as MappingKind;
        const name = record.recordType === 'item' ? record.data.name : 'displayName' in record.data ? record.data.displayName : undefined;
        await upsertMapping(deps.db, { tenantId: input.tenantId, kind, sourceKey: record.sourceId, qboId: input.externalRef.qboId, qboName: name ?? null, updatedBy: input.actor });
      } else if (isTxnDependencyKind(record.recordType)) {
        // An invoice, bill or purchase order other records refer to by its QuickBooks id.
        kind = record.recordType;
      } else {
        return { resumed: 0 };
      }
      return { resumed: await resumeWaiting(deps.db, Context.current().client, input.tenantId, kind, record.sourceId) };
    },
  };
  /** A new record's clean first pass in one activity (activities/clean-sync.ts), made of the ones above. */
  const syncClean = createCleanSync({ db: deps.db, prepareSync: activities.prepareSync, pushRecord, afterSync: activities.afterSync, ...(deps.now ? { now: deps.now } : {}) });
  return { ...activities, syncClean };
}
