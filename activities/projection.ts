import type { Db } from '../db/client.ts';
import { projectSync, recordAttempt } from '../db/queries/syncs.ts';
import type { AttemptEvidence, ProjectionFacts, SyncEvent, SyncStatus } from '../domain/sync.ts';

export interface ProjectionActivityDeps {
  db: Db;
}

export function createProjectionActivities({ db }: ProjectionActivityDeps) {
  return {
    /** Writes the workflow's state and new timeline events to Postgres (idempotent on retries). */
    async projectSync(input: { status: SyncStatus; events: SyncEvent[]; facts?: ProjectionFacts }): Promise<void> {
      await projectSync(db, input.status, input.events, input.facts);
    },
    async recordAttempt(input: { workflowId: string; tenantId: string; attempt: AttemptEvidence }): Promise<void> {
      await recordAttempt(db, input.workflowId, input.tenantId, input.attempt);
    },
  };
}
