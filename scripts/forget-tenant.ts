import { ScheduleNotFoundError, WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import type { Db } from '../db/client.ts';
import { deleteTenantData, otherTenantsOnRealm, tenantConnection } from '../db/queries/tenant-data.ts';
import { tenantIdSchema } from '../domain/records.ts';
import { connectionWorkflowId } from '../domain/workflow-id.ts';
import { dailyScheduleId, reconcileScheduleId, refsScheduleId } from '../services/schedules.ts';

export interface ForgetTenantOptions {
  db: Db;
  temporal: Client;
  /**
   * The simulator's base URL (its /_sim control API). Defaults to the connection's own base URL, which for a
   * simulator connection is the simulator. Only `simulator` connections are ever deleted, never an Intuit company.
   */
  simulatorUrl?: string;
  tenantId: string;
  log?: (line: string) => void;
  /** How long terminated workflows may keep showing as running in visibility (eventually consistent). */
  settleTimeoutMs?: number;
}

export interface ForgetTenantResult {
  workflowsTerminated: number;
  schedulesDeleted: number;
  rowsDeleted: number;
  simulatorCompanyDeleted: boolean;
}

const TERMINATE_CONCURRENCY = 8;
const TERMINATE_REASON = 'tenant forgotten';

/**
 * Every running workflow of the tenant. Only sync workflows carry the TenantId search attribute (their ids,
 * `qbo-sync:{tenantId}:…`, are matched too), so the others are matched by id: the connection workflow (domain/workflow-id.ts), reference refreshes started by the tenant's
 * Schedule (the Schedule appends a timestamp to `qbo-refs:{tenantId}`, so they are matched by TemporalScheduledById)
 * or at once (`qbo-refs-now:{tenantId}:…`, services/schedules.ts), mapping fan-outs (`resume-waiting:{tenantId}:…`,
 * services/resume.ts), and notification deliveries (`notify:{tenantId}:…`, services/notifications.ts). Tenant ids hold no ':' (tenantIdSchema), so a prefix ending in ':' never reaches another tenant.
 */
export function tenantWorkflowsQuery(tenantId: string): string {
  const matches = [
    `TenantId = "${tenantId}"`,
    `WorkflowId STARTS_WITH "qbo-sync:${tenantId}:"`,
    `WorkflowId = "${connectionWorkflowId(tenantId)}"`,
    `TemporalScheduledById = "${refsScheduleId(tenantId)}"`,
    `TemporalScheduledById = "${reconcileScheduleId(tenantId)}"`,
    `TemporalScheduledById = "${dailyScheduleId(tenantId)}"`,
    `WorkflowId STARTS_WITH "qbo-reconcile-now:${tenantId}:"`,
    `WorkflowId STARTS_WITH "qbo-refs-now:${tenantId}:"`,
    `WorkflowId STARTS_WITH "resume-waiting:${tenantId}:"`,
    `WorkflowId STARTS_WITH "notify:${tenantId}:"`,
  ];
  return `(${matches.join(' OR ')}) AND ExecutionStatus = "Running"`;
}

/**
 * Forgets one tenant completely inside a running product: its Temporal Schedule and running workflows, its
 * QuickBooks simulator company, then every row of it in Postgres (one transaction). The simulator company goes
 * before the rows because its realm id is only known from the tenant's connection row, so a failure there leaves
 * the tenant in place for a second run. Idempotent: for a tenant that no longer exists it finds nothing to do.
 *
 * Not covered: an activity already running on a worker when its workflow is terminated still finishes, and its
 * write may land after the rows are gone (a projection write then fails on the missing tenant; an attempt row,
 * which has no foreign key, could remain).
 */
export async function forgetTenant(opts: ForgetTenantOptions): Promise<ForgetTenantResult> {
  const { db, temporal, tenantId } = opts;
  const log = opts.log ?? (() => undefined);
  if (!tenantIdSchema.safeParse(tenantId).success) throw new Error(`"${tenantId}" is not a tenant id`);

  const connection = await tenantConnection(db, tenantId);

  // The Schedule first, so it cannot start another refresh while the running workflows are terminated.
  let schedulesDeleted = 0;
  for (const scheduleId of [refsScheduleId(tenantId), reconcileScheduleId(tenantId), dailyScheduleId(tenantId)]) {
    try {
      await temporal.schedule.getHandle(scheduleId).delete();
      schedulesDeleted += 1;
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }

  const workflowsTerminated = await terminateTenantWorkflows(temporal, tenantId, opts.settleTimeoutMs ?? 10_000, log);

  let simulatorCompanyDeleted = false;
  if (connection?.environment === 'simulator') {
    const sharedWith = await otherTenantsOnRealm(db, tenantId, connection.realmId);
    if (sharedWith.length > 0) {
      log(`Forget ${tenantId}: simulator company ${connection.realmId} is kept, ${sharedWith.join(', ')} use it too.`);
    } else {
      simulatorCompanyDeleted = await deleteSimulatorCompany(opts.simulatorUrl ?? connection.baseUrl, connection.realmId);
    }
  }

  const rowsDeleted = await deleteTenantData(db, tenantId);
  // An activity still in flight (a refresh asking the connection workflow by update-with-start) may have started
  // one of them again meanwhile; with the rows gone nothing can start them any more, so sweep once more.
  const lateTerminated = await terminateTenantWorkflows(temporal, tenantId, 3_000, log);
  log(
    `Forget ${tenantId}: ${workflowsTerminated + lateTerminated} workflows terminated, ${schedulesDeleted} schedule(s) deleted, ${rowsDeleted} rows deleted` +
      (connection?.environment === 'simulator' ? `, simulator company ${connection.realmId} ${simulatorCompanyDeleted ? 'deleted' : 'kept'}.` : '.'),
  );
  return { workflowsTerminated: workflowsTerminated + lateTerminated, schedulesDeleted, rowsDeleted, simulatorCompanyDeleted };
}

/**
 * Terminates until visibility lists none of the tenant's workflows running. A run terminated a moment ago can still
 * be listed (visibility is eventually consistent), and a workflow can be started meanwhile (an activity in flight
 * asks the connection workflow with update-with-start), so the list is read again until it is empty. Past the
 * deadline, runs still listed are described: only one that is really running is an error.
 */
async function terminateTenantWorkflows(client: Client, tenantId: string, settleTimeoutMs: number, log: (line: string) => void): Promise<number> {
  const query = tenantWorkflowsQuery(tenantId);
  const handled = new Set<string>();
  const key = (wf: WorkflowExecutionInfo) => `${wf.workflowId}\u0000${wf.runId}`;
  let terminated = 0;
  const deadline = Date.now() + settleTimeoutMs;
  for (;;) {
    const running: WorkflowExecutionInfo[] = [];
    for await (const wf of client.workflow.list({ query })) running.push(wf);
    if (running.length === 0) return terminated;
    const fresh = running.filter((wf) => !handled.has(key(wf)));
    await eachLimited(fresh, TERMINATE_CONCURRENCY, async (wf) => {
      try {
        await client.workflow.getHandle(wf.workflowId, wf.runId).terminate(TERMINATE_REASON);
        terminated += 1;
      } catch (err) {
        // It closed by itself since it was listed.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      handled.add(key(wf));
    });
    if (Date.now() >= deadline) {
      const still: string[] = [];
      for (const wf of running) {
        const status = await client.workflow
          .getHandle(wf.workflowId, wf.runId)
          .describe()
          .then((d) => d.status.name)
          .catch((err: unknown) => {
            if (err instanceof WorkflowNotFoundError) return undefined;
            throw err;
          });
        if (status === 'RUNNING') still.push(wf.workflowId);
      }
      if (still.length > 0) throw new Error(`Forget ${tenantId}: workflows still running after termination: ${still.join(', ')}`);
      log(`Forget ${tenantId}: visibility still lists ${running.length} terminated workflows as running; they are closed.`);
      return terminated;
    }
    if (fresh.length === 0) await new Promise((r) => setTimeout(r, 250));
  }
}

/** Deletes the company from the simulator; false when it is already gone. */
async function deleteSimulatorCompany(simulatorUrl: string, realmId: string): Promise<boolean> {
  const url = `${simulatorUrl.replace(/\/+$/, '')}/_sim/companies/${encodeURIComponent(realmId)}`;
  const res = await fetch(url, { method: 'DELETE' }).catch((err: Error) => {
    throw new Error(`The QuickBooks simulator at ${simulatorUrl} did not answer (${err.message}); the tenant's rows in Postgres are kept, so run this again.`);
  });
  if (res.status === 404) return false;
  if (!res.ok) throw new Error(`The QuickBooks simulator refused to delete company ${realmId} (HTTP ${res.status}); the tenant's rows in Postgres are kept, so run this again.`);
  return true;
}

async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
