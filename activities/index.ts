import type { Db } from '../db/client.ts';
import { createProjectionActivities } from './projection.ts';
import { createRecordActivities } from './records.ts';

export interface ActivityDeps {
  db: Db;
}

/** Every activity the worker registers, built from injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createRecordActivities(deps),
    ...createProjectionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
