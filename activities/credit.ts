import { Context } from '@temporalio/activity';
import type { Db } from '../db/client.ts';
import { dependencyStates } from '../db/queries/syncs.ts';
import { applicationRefFrom, creditApplications, isOurCreditApplication } from '../domain/credit-application.ts';
import { entityFrom, queryRows } from '../qbo/client.ts';
import { productFailure, qboFailure, summarizeClassification } from '../qbo/failure.ts';
import { creditApplicationLookupQuery, creditApplicationPayload } from '../qbo/mappers.ts';
import type { ApplyCreditInput, ApplyCreditResult } from '../workflows/sync-record/types.ts';
import { classifyAndKeep } from './evidence.ts';
import type { createRealmCaller } from './realm-call.ts';

/**
 * Applying a credit note's CreditMemo to the invoices AWRA applied it to: a Payment of zero linking both
 * (qbo/mappers.ts `creditApplicationPayload`), sent after the CreditMemo exists. QuickBooks is searched first, so an
 * application whose answer was lost — on this attempt or an earlier one with another requestid — is adopted, never
 * made twice. The answer is kept as evidence like a push; the record's state is the workflow's to write.
 */
export function createCreditApplier(
  deps: { db: Db; now?: () => number },
  realm: Pick<ReturnType<typeof createRealmCaller>, 'callQbo' | 'expectOk' | 'deepLink'>,
) {
  const now = deps.now ?? Date.now;

  /** "INV-2026-0001" for each invoice applied to, from the records' projections (the source id if none is known). */
  async function invoiceNumbers(input: ApplyCreditInput): Promise<string[]> {
    const ids = creditApplications(input.record).map((a) => a.invoiceId);
    const known = await dependencyStates(deps.db, input.tenantId, ids);
    return ids.map((id) => known.find((d) => d.recordType === 'invoice' && d.sourceId === id)?.number ?? id);
  }

  return async function applyCredit(input: ApplyCreditInput): Promise<ApplyCreditResult> {
    const activityAttempt = Context.current().info.attempt;
    const { record } = input;
    if (record.recordType !== 'credit_note') throw productFailure('source_data', `${record.number} is not a credit note; there is nothing to apply.`);
    const refs = new Map(input.refs);
    const payload = creditApplicationPayload(record, input.creditMemo.qboId, refs, { homeCurrency: input.homeCurrency ?? null, multicurrency: input.multicurrency ?? false });
    if (!payload) throw productFailure('source_data', `${record.number} applies to no invoice; there is nothing to apply.`);
    const invoices = await invoiceNumbers(input);

    const found = await realm.callQbo(input.tenantId, (client, ctx) => client.query(ctx, creditApplicationLookupQuery(record, refs)));
    realm.expectOk(found, 'search for an earlier application of the credit note');
    const ours = queryRows(found, 'Payment').find((p) => isOurCreditApplication(record, input.creditMemo.qboId, p as Record<string, unknown>));
    if (ours) {
      return { application: applicationRefFrom(ours, await realm.deepLink(input.tenantId, 'Payment', String(ours.Id))), invoices, activityAttempt, adopted: true };
    }

    const startedAt = new Date(now()).toISOString();
    const resp = await realm.callQbo(input.tenantId, (client, ctx) => client.create(ctx, 'Payment', payload.body, { requestId: input.requestId }));
    const c = await classifyAndKeep(deps.db, input, 'a credit application', record.number, { activityAttempt, startedAt, finishedAt: new Date(now()).toISOString(), resp });
    if (c.class === 'accepted') {
      const created = entityFrom(resp, 'Payment');
      if (!created) throw new Error('QuickBooks accepted the credit application but returned no Payment');
      return { application: applicationRefFrom(created, await realm.deepLink(input.tenantId, 'Payment', String(created.Id))), invoices, activityAttempt, adopted: false };
    }
    const said = summarizeClassification(c);
    throw qboFailure(c, `QuickBooks ${c.retryable ? 'did not accept the credit application this time' : 'refused to apply the credit memo'}: ${said}`, { activityAttempt, requestId: input.requestId });
  };
}
