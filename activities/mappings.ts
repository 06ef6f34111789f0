import { Context } from '@temporalio/activity';
import type { Db } from '../db/client.ts';
import { findMappings } from '../db/queries/mappings.ts';
import { dependencyStates } from '../db/queries/syncs.ts';
import { DEPENDENCY_KINDS, resolveMappings, type MappingResult } from '../domain/mapping-gaps.ts';
import type { AwraRecord } from '../domain/records.ts';
import { isTxnDependencyKind, requiredReferences } from '../domain/required-mappings.ts';
import { resumeWaiting } from '../services/resume.ts';

export interface MappingActivityDeps {
  db: Db;
}

export function createMappingActivities({ db }: MappingActivityDeps) {
  return {
    /** Tells every record blocked on (kind, key) that it changed; run by the resumeWaitingOnMapping workflow. */
    async signalWaitingOnMapping(input: { tenantId: string; kind: string; key: string }): Promise<number> {
      return resumeWaiting(db, Context.current().client, input.tenantId, input.kind, input.key);
    },

    /**
     * Every reference the QuickBooks payload needs, resolved against the tenant's mappings and the records it
     * depends on (the rule and its sentences: domain/mapping-gaps.ts).
     */
    async checkMappings(input: { tenantId: string; record: AwraRecord }): Promise<MappingResult> {
      const required = requiredReferences(input.record);
      const mapped = await findMappings(db, input.tenantId, required.filter((r) => !isTxnDependencyKind(r.kind)));
      const dependencies = await dependencyStates(db, input.tenantId, required.filter((r) => DEPENDENCY_KINDS.has(r.kind)).map((r) => r.key));
      return resolveMappings(required, mapped, dependencies);
    },
  };
}
