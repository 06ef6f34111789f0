import type { Db } from '../db/client.ts';
import { createAuditActivities } from './audit.ts';
import { createConnectionActivities } from './connection.ts';
import { createRefActivities } from './refs.ts';
import { createMappingActivities } from './mappings.ts';
import { createNotifyActivities, type NotifyActivityDeps } from './notify.ts';
import { createProjectionActivities } from './projection.ts';
import { createQboActivities, type QboActivityDeps } from './qbo.ts';
import { createReconcileActivities, type ReconcileActivityDeps } from './reconcile.ts';

export type ActivityDeps = QboActivityDeps & { db: Db } & Pick<ReconcileActivityDeps, 'workflowDefaults'> & { notify?: Omit<NotifyActivityDeps, 'db'> };

/** Every activity the worker registers, built from injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createProjectionActivities(deps),
    ...createMappingActivities(deps),
    ...createAuditActivities(deps),
    ...createQboActivities(deps),
    ...createConnectionActivities(deps),
    ...createRefActivities(deps),
    ...createReconcileActivities(deps),
    ...createNotifyActivities({ db: deps.db, ...deps.notify }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
