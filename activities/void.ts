import { Context } from '@temporalio/activity';
import type { Db } from '../db/client.ts';
import { VOID_DONE, voidOperationFor } from '../domain/voids.ts';
import { classifyQboResponse } from '../qbo/classify.ts';
import { entityFrom } from '../qbo/client.ts';
import { productFailure, qboFailure, summarizeClassification } from '../qbo/failure.ts';
import type { QboEntityName } from '../qbo/types.ts';
import type { VoidInput, VoidResult } from '../workflows/sync-record/types.ts';
import { keepAttempt } from './evidence.ts';
import type { createRealmCaller } from './realm-call.ts';

/**
 * Carrying AWRA's void of a synced record over to QuickBooks (domain/voids.ts says which operation): read the
 * entity's current SyncToken, then void, delete or close it with the attempt's requestid, and keep the answer as
 * evidence like a push. A refusal in a closed period names the company's closing date. An applied credit note's
 * application Payment is voided the same way, on a step of its own before its CreditMemo (`input.step`).
 */
export function createVoider(
  deps: { db: Db; now?: () => number },
  realm: Pick<ReturnType<typeof createRealmCaller>, 'callQbo'>,
) {
  const now = deps.now ?? Date.now;
  /** Read afresh (not the cached preferences): the period may have been closed since the record synced. */
  const currentClosingDate = async (tenantId: string): Promise<string | undefined> => {
    const resp = await realm.callQbo(tenantId, (client, ctx) => client.preferences(ctx)).catch(() => undefined);
    const prefs = resp?.ok ? (entityFrom(resp, 'Preferences' as QboEntityName) as { AccountingInfoPrefs?: { BookCloseDate?: string } } | undefined) : undefined;
    return prefs?.AccountingInfoPrefs?.BookCloseDate;
  };
  return async function voidRecord(input: VoidInput): Promise<VoidResult> {
    const activityAttempt = Context.current().info.attempt;
    // The application Payment of a credit note is voided on its own step, before the CreditMemo (domain/voids.ts).
    const application = input.step === 'application' ? input.externalRef.application : undefined;
    if (input.step === 'application' && !application) throw productFailure('provider_rejection', `${input.number} has no application in QuickBooks to void.`);
    const operation = application ? 'void' : voidOperationFor(input.recordType);
    if (!operation) throw productFailure('provider_rejection', `A ${input.recordType.replace('_', ' ')} is not voided in QuickBooks.`);
    const entity = (application?.entity ?? input.externalRef.entity) as QboEntityName;
    const id = application?.qboId ?? input.externalRef.qboId;
    const startedAt = new Date(now()).toISOString();
    let gone = false;
    const resp = await realm.callQbo(input.tenantId, async (client, ctx) => {
      const current = await client.read(ctx, entity, id);
      const e = current.ok ? (entityFrom(current, entity) as { SyncToken?: string } | undefined) : undefined;
      if (!e?.SyncToken) {
        // Deleted in QuickBooks already (by hand): for a delete that is the outcome wanted, and so it is for an
        // application Payment (what it settled is open again either way).
        gone = (operation === 'delete' || !!application) && (current.status === 400 || current.status === 404 || (current.ok && !e));
        return current;
      }
      const body = { Id: id, SyncToken: String(e.SyncToken) };
      if (operation === 'close') return client.sparseUpdate(ctx, entity, { ...body, POStatus: 'Closed' }, { requestId: input.requestId });
      return client.voidOrDelete(ctx, entity, operation, body, { requestId: input.requestId });
    });
    const c = gone ? classifyQboResponse({ status: 200, body: {} }) : classifyQboResponse(resp);
    await keepAttempt(deps.db, input, {
      activityAttempt,
      startedAt,
      finishedAt: new Date(now()).toISOString(),
      resp,
      c,
      ...(gone ? { message: `${entity} ${id} was no longer in QuickBooks` } : {}),
    });
    if (c.class === 'accepted' && application) {
      const after = gone ? undefined : (entityFrom(resp, entity) as { SyncToken?: string } | undefined);
      const { syncToken: _old, ...app } = application;
      return {
        externalRef: { ...input.externalRef, application: { ...app, ...(after?.SyncToken !== undefined ? { syncToken: String(after.SyncToken) } : {}), voided: 'voided' } },
        activityAttempt,
        alreadyGone: gone,
      };
    }
    if (c.class === 'accepted') {
      const after = gone || operation === 'delete' ? undefined : (entityFrom(resp, entity) as { SyncToken?: string } | undefined);
      const { syncToken: _old, ...ref } = input.externalRef;
      return {
        externalRef: { ...ref, ...(after?.SyncToken !== undefined ? { syncToken: String(after.SyncToken) } : {}), voided: VOID_DONE[operation] },
        activityAttempt,
        alreadyGone: gone,
      };
    }
    const said = summarizeClassification(c);
    const closingDate = c.code === '6210' ? await currentClosingDate(input.tenantId) : undefined;
    throw qboFailure(c, `QuickBooks did not ${operation} ${entity} ${id}: ${said}`, { activityAttempt, requestId: input.requestId, ...(closingDate ? { closingDate } : {}) });
  };
}
