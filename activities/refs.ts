import { Context } from '@temporalio/activity';
import type { Db } from '../db/client.ts';
import type { TokenStore } from '../db/queries/connections.ts';
import { CACHED_ENTITIES, CDC_ENTITIES, getRefState, markMissingRefsDeleted, reconcileMappings, saveRefState, upsertRefs, type RefUpsert } from '../db/queries/refs.ts';
import { writeAudit } from '../db/queries/audit.ts';
import { syncsByQboEntity, writeDrift } from '../db/queries/syncs.ts';
import { detectDrift, driftSentence, DRIFT_ENTITIES } from '../domain/drift.ts';
import { classifyQboResponse } from '../qbo/classify.ts';
import { qboFailure } from '../qbo/failure.ts';
import { queryRows, type QboClient } from '../qbo/client.ts';
import type { QboEntityName } from '../qbo/mappers.ts';
import { resumeWaiting } from '../services/resume.ts';
import { createRealmCaller } from './realm-call.ts';

export interface RefActivityDeps {
  db: Db;
  tokens: TokenStore;
  clientFor(baseUrl: string): QboClient;
  now?: () => number;
}

const PAGE = 1000;
/** QuickBooks keeps 30 days of change data; past that a full load is needed. */
const CDC_WINDOW_MS = 29 * 86_400_000;

function toRef(entity: string, e: Record<string, unknown>): RefUpsert {
  const deleted = e.status === 'Deleted';
  const active = !deleted && e.Active !== false;
  const meta = e.MetaData as { LastUpdatedTime?: string } | undefined;
  return {
    entity,
    qboId: String(e.Id),
    name: String(e.DisplayName ?? e.FullyQualifiedName ?? e.Name ?? ''),
    active,
    status: deleted ? 'deleted' : active ? 'active' : 'inactive',
    syncToken: e.SyncToken !== undefined ? String(e.SyncToken) : null,
    detail: deleted ? null : pick(e, ['AccountType', 'AccountSubType', 'Type', 'Sku', 'Taxable', 'CurrencyRef']),
    qboUpdatedAt: meta?.LastUpdatedTime ? new Date(meta.LastUpdatedTime) : null,
  };
}

function pick(e: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => e[k] !== undefined).map((k) => [k, e[k]]));
}

/**
 * Compares the transactions QuickBooks reports changed with what this product's syncs left there, and records on each
 * finished record whether its entity drifted (deleted, voided, changed in amount, party, date or lines) — or, when
 * it is back as it was, that it no longer has. Each finding is in the tenant's audit log. Returns how many records
 * newly drifted.
 */
async function checkDrift(db: Db, tenantId: string, entity: string, rows: Array<Record<string, unknown>>, detectedAt: string): Promise<number> {
  const byId = new Map(rows.map((r) => [String(r.Id), r]));
  let drifted = 0;
  for (const sync of await syncsByQboEntity(db, tenantId, entity, [...byId.keys()])) {
    const ref = sync.externalRef;
    const row = ref ? byId.get(ref.qboId) : undefined;
    if (!ref || !row || ref.voided) continue;
    const changedAt = (row.MetaData as { LastUpdatedTime?: string } | undefined)?.LastUpdatedTime;
    const found = detectDrift(ref, row.status === 'Deleted' ? { deleted: true, ...(changedAt ? { changedAt } : {}) } : { entity: row }, detectedAt);
    const before = sync.drift ?? null;
    // The same finding again (CDC windows overlap) is not news; a new change, or the entity back as it was, is.
    if (before && found && before.kind === found.kind && before.qboSyncToken === found.qboSyncToken) continue;
    if (!before && !found) continue;
    if (!(await writeDrift(db, sync.workflowId, found))) continue;
    if (found && !before) drifted += 1;
    await writeAudit(db, {
      tenantId,
      actor: 'quickbooks',
      action: found ? 'sync.drift.detected' : 'sync.drift.cleared',
      target: sync.workflowId,
      detail: found
        ? { number: sync.number, entity, qboId: ref.qboId, kind: found.kind, fields: found.fields, sentence: driftSentence(found, entity, ref.qboId) }
        : { number: sync.number, entity, qboId: ref.qboId, sentence: `${entity} ${ref.qboId} in QuickBooks matches what was synced again.` },
    });
  }
  return drifted;
}

export function createRefActivities(deps: RefActivityDeps) {
  const now = deps.now ?? Date.now;
  const { callQbo } = createRealmCaller(deps);
  return {
    /**
     * Refreshes the tenant's cache of QuickBooks lists (a full query load the first time or after 30 days, CDC
     * otherwise), then marks mappings whose entity became inactive, deleted or merged as stale — before a write
     * fails on them — and restores ones that came back, resuming records that waited on them.
     */
    async refreshReferences(input: { tenantId: string; full?: boolean }): Promise<{ mode: 'full' | 'cdc'; changed: number; staled: number; restored: number; drifted: number }> {
      const state = await getRefState(deps.db, input.tenantId);
      const startedAt = new Date(now() - 60_000);
      const since = state?.lastChangeSince;
      const full = input.full || !state?.lastFullLoadAt || !since || now() - since.getTime() > CDC_WINDOW_MS;
      const fail = (what: string, resp: Parameters<typeof classifyQboResponse>[0]) => {
        const c = classifyQboResponse(resp);
        throw qboFailure(c, `Refreshing QuickBooks lists failed at ${what}: ${[c.code, c.message, c.detail].filter(Boolean).join(' ')}`);
      };
      let changed = 0;
      let drifted = 0;
      const loadInFull = async (entities: readonly string[]) => {
        for (const entity of entities) {
          // Real time, as upsertRefs stamps refreshedAt with it.
          const loadStartedAt = new Date();
          const seen: string[] = [];
          for (const filter of ['', ' where Active = false']) {
            for (let start = 1; ; start += PAGE) {
              const resp = await callQbo(input.tenantId, (client, ctx) => client.query(ctx, `select * from ${entity}${filter} startposition ${start} maxresults ${PAGE}`));
              if (!resp.ok) fail(`${entity} query`, resp);
              const rows = queryRows(resp, entity as QboEntityName) as unknown as Record<string, unknown>[];
              await upsertRefs(deps.db, input.tenantId, rows.map((r) => toRef(entity, r)));
              seen.push(...rows.map((r) => String(r.Id)));
              changed += rows.length;
              Context.current().heartbeat({ entity, start });
              if (rows.length < PAGE) break;
            }
          }
          await markMissingRefsDeleted(deps.db, input.tenantId, entity, seen, loadStartedAt);
        }
      };
      if (full) {
        await loadInFull(CACHED_ENTITIES);
        await saveRefState(deps.db, input.tenantId, { lastFullLoadAt: new Date(now()), lastChangeSince: startedAt, lastRefreshAt: new Date(now()), lastError: null });
      } else {
        // The lists it caches, and the transactions this product wrote (what changed there after a sync is drift).
        const resp = await callQbo(input.tenantId, (client, ctx) => client.cdc(ctx, [...CDC_ENTITIES, ...DRIFT_ENTITIES] as QboEntityName[], since!));
        if (!resp.ok) fail('change data capture', resp);
        const groups = ((resp.body as { CDCResponse?: Array<{ QueryResponse?: Array<Record<string, unknown>> }> }).CDCResponse?.[0]?.QueryResponse ?? []);
        for (const group of groups) {
          for (const entity of CDC_ENTITIES) {
            const rows = group[entity] as Record<string, unknown>[] | undefined;
            if (!rows?.length) continue;
            await upsertRefs(deps.db, input.tenantId, rows.map((r) => toRef(entity, r)));
            changed += rows.length;
          }
          for (const entity of DRIFT_ENTITIES) {
            const rows = group[entity] as Record<string, unknown>[] | undefined;
            if (rows?.length) drifted += await checkDrift(deps.db, input.tenantId, entity, rows, new Date(now()).toISOString());
          }
        }
        await loadInFull(CACHED_ENTITIES.filter((e) => !CDC_ENTITIES.includes(e)));
        await saveRefState(deps.db, input.tenantId, { lastChangeSince: startedAt, lastRefreshAt: new Date(now()), lastError: null });
      }
      const { staled, restored } = await reconcileMappings(deps.db, input.tenantId);
      for (const r of restored) await resumeWaiting(deps.db, Context.current().client, input.tenantId, r.kind, r.key);
      return { mode: full ? 'full' : 'cdc', changed, staled: staled.length, restored: restored.length, drifted };
    },
  };
}
