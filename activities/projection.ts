import type { Db } from '../db/client.ts';
import { projectSync } from '../db/queries/syncs.ts';
import type { ProjectionFacts, SyncEvent, SyncStatus } from '../domain/sync.ts';
import { writeStorable } from './storable.ts';

export interface ProjectionActivityDeps {
  db: Db;
}

export function createProjectionActivities({ db }: ProjectionActivityDeps) {
  return {
    /**
     * Writes the workflow's state and new timeline events to Postgres (idempotent on retries). Text Postgres cannot
     * store is replaced rather than retried for ever (activities/storable.ts), so the workflow keeps answering.
     */
    async projectSync(input: { status: SyncStatus; events: SyncEvent[]; facts?: ProjectionFacts }): Promise<void> {
      await writeStorable('projection', input, (v) => projectSync(db, v.status, v.events, v.facts), { workflowId: input.status.workflowId });
    },
  };
}
