/**
 * Applying a credit note's CreditMemo to its invoices (activities/credit.ts) and voiding that application
 * (activities/void.ts, step `application`), run under `MockActivityEnvironment` against an in-process PGlite and the
 * QuickBooks simulator listening in this process.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities, type Activities } from '../../activities/index.ts';
import { createTokenStore } from '../../db/queries/connections.ts';
import { projectSync } from '../../db/queries/syncs.ts';
import { createTenant } from '../../db/queries/tenants.ts';
import { syncAttempts } from '../../db/schema.ts';
import { awraRecordSchema, type AwraRecord } from '../../domain/records.ts';
import type { ExternalRef } from '../../domain/sync.ts';
import type { QboFailureDetails } from '../../qbo/failure.ts';
import { createSecretBox, generateEncryptionKeySpec, parseEncryptionKeys } from '../../runtime/secrets.ts';
import { startSimulator, type StartedSimulator } from '../../simulator/index.ts';
import { createActivityDeps } from '../../worker/activity-deps.ts';
import type { ApplyCreditInput } from '../../workflows/sync-record/types.ts';
import { awra } from '../fixtures/awra.ts';
import { syncStatus } from '../fixtures/sync-status.ts';
import { oneLineInvoice } from '../support/sim-invoice.ts';
import { createFastDb, type FastDb } from '../support/fast-db.ts';
import { createFakeTemporal } from '../support/fast-temporal.ts';

let db: FastDb;
let sim: StartedSimulator;
let acts: Activities;
let realmId: string;
let customerId: string;

beforeAll(async () => {
  [db, sim] = await Promise.all([createFastDb(), startSimulator({ port: 0, options: { logger: { info() {}, warn() {} } } })]);
  const secrets = createSecretBox(parseEncryptionKeys(generateEncryptionKeySpec()));
  acts = createActivities(createActivityDeps({ db: db.db, secrets, intuit: { redirectUri: 'http://localhost/callback' }, qboTimeoutMs: 5_000 }));
  await createTenant(db.db, { id: 'cred', name: 'Cred Ltd', homeCurrency: 'KES' });
  const c = sim.sim.createCompany({ homeCurrency: 'KES', companyName: 'Cred Ltd' });
  realmId = c.realmId;
  await createTokenStore(db.db, secrets).connect({
    tenantId: 'cred',
    realmId,
    baseUrl: sim.url,
    environment: 'simulator',
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    tokens: { accessToken: c.accessToken, refreshToken: c.refreshToken, accessTokenExpiresAt: new Date(c.accessTokenExpiresAt), refreshTokenExpiresAt: new Date(c.refreshTokenExpiresAt) },
  });
  customerId = String(sim.sim.createAsUser(realmId, 'Customer', { DisplayName: 'Savannah Retail Ltd' }).Id);
});
afterAll(async () => {
  await sim?.close();
  await db?.close();
});

const temporal = createFakeTemporal();
function run<I, R>(activity: (input: I) => Promise<R>, input: I): Promise<R> {
  return new MockActivityEnvironment({}, { client: temporal.client, logger: new DefaultLogger('ERROR') }).run(activity, input) as Promise<R>;
}

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

const entity = (name: string, id: string) => sim.sim.ledger({ realmId, entity: name }).find((e) => String(e.Id) === id)!;
const ourPayments = (sourceId: string) => sim.sim.ledger({ realmId, entity: 'Payment' }).filter((p) => String(p.PrivateNote ?? '').includes(`(src ${sourceId} v`));

/**
 * A synced invoice of `amount` (KES, major units) and a credit note of KES 2,500.00 applied to it, whose CreditMemo is
 * in QuickBooks: what the workflow hands the activity once the CreditMemo was accepted.
 */
async function creditNoteOn(sourceId: string, invoiceAmount: number) {
  const invoice = sim.sim.createAsUser(realmId, 'Invoice', { ...oneLineInvoice(customerId, { amount: invoiceAmount }), TxnDate: '2026-11-05' });
  const invoiceId = `inv-${sourceId}`;
  await projectSync(db.db, syncStatus(`qbo-sync:cred:invoice:${invoiceId}`, { tenantId: 'cred', number: `INV-${sourceId}`, state: 'synced', failureClass: null, externalRef: { entity: 'Invoice', qboId: String(invoice.Id) } }), []);
  const creditMemo = sim.sim.createAsUser(realmId, 'CreditMemo', { ...oneLineInvoice(customerId, { amount: 2500 }), TxnDate: '2026-11-12' });
  const record: AwraRecord = awraRecordSchema.parse(awra.creditNote('cred', sourceId, `CN-${sourceId}`, 'cus-1', 'itm-1', { invoiceId }));
  const ref: ExternalRef = { entity: 'CreditMemo', qboId: String(creditMemo.Id) };
  const input = (attemptNo: number): ApplyCreditInput => ({
    tenantId: 'cred',
    workflowId: `qbo-sync:cred:credit_note:${sourceId}`,
    record,
    refs: [
      ['customer:cus-1', { qboId: customerId }],
      [`invoice:${invoiceId}`, { qboId: String(invoice.Id) }],
    ],
    creditMemo: ref,
    requestId: `req-${sourceId}-${attemptNo}`,
    attemptNo,
    homeCurrency: 'KES',
    multicurrency: false,
  });
  return { invoiceId: String(invoice.Id), creditMemoId: String(creditMemo.Id), ref, record, input };
}

describe('applyCredit', () => {
  it('applies the credit memo to the invoice with a Payment of zero, names the invoice, and keeps the answer as evidence', async () => {
    const cn = await creditNoteOn('cn-a', 7500);
    const result = await run(acts.applyCredit, cn.input(2));

    expect(result).toMatchObject({ application: { entity: 'Payment' }, invoices: ['INV-cn-a'], activityAttempt: 1, adopted: false });
    const payment = entity('Payment', result.application.qboId);
    expect(Number(payment.TotalAmt)).toBe(0);
    expect(String(payment.PrivateNote)).toContain('AWRA CN-cn-a (src cn-a v1)');
    expect(Number(entity('Invoice', cn.invoiceId).Balance)).toBe(5000);
    expect(Number(entity('CreditMemo', cn.creditMemoId).RemainingCredit)).toBe(0);
    const attempts = await db.db.select().from(syncAttempts).where(eq(syncAttempts.workflowId, 'qbo-sync:cred:credit_note:cn-a'));
    expect(attempts.map((a) => [a.attemptNo, a.requestId, a.class, a.httpStatus])).toEqual([[2, 'req-cn-a-2', 'accepted', 200]]);
  });

  it('adopts the application an earlier attempt made (its answer lost) instead of applying the credit twice', async () => {
    const cn = await creditNoteOn('cn-b', 7500);
    const first = await run(acts.applyCredit, cn.input(2));
    // A retry after the first answer was lost comes with a new requestid: QuickBooks cannot replay it, the search finds it.
    const again = await run(acts.applyCredit, cn.input(3));

    expect(again).toMatchObject({ adopted: true, application: { qboId: first.application.qboId }, invoices: ['INV-cn-b'] });
    expect(ourPayments('cn-b')).toHaveLength(1);
    expect(Number(entity('Invoice', cn.invoiceId).Balance)).toBe(5000);
  });

  it('does not take a Payment someone made by hand for the same credit memo as ours', async () => {
    const cn = await creditNoteOn('cn-c', 7500);
    sim.sim.createAsUser(realmId, 'Payment', {
      CustomerRef: { value: customerId },
      TxnDate: '2026-11-12',
      TotalAmt: 0,
      Line: [
        { Amount: 1000, LinkedTxn: [{ TxnId: cn.invoiceId, TxnType: 'Invoice' }] },
        { Amount: 1000, LinkedTxn: [{ TxnId: cn.creditMemoId, TxnType: 'CreditMemo' }] },
      ],
    });
    const failure = await failureOf(run(acts.applyCredit, cn.input(2)));
    // Only KES 1,500.00 of credit is left, so QuickBooks refuses the full application: a refusal, not an adoption.
    const details = failure.details?.[0] as QboFailureDetails;
    expect(failure.nonRetryable).toBe(true);
    expect(details).toMatchObject({ classification: { class: 'provider_rejection', code: '6000' }, requestId: 'req-cn-c-2', activityAttempt: 1 });
    expect(failure.message).toMatch(/^QuickBooks refused to apply the credit memo: code 6000/);
    expect(ourPayments('cn-c')).toHaveLength(0);
    const attempts = await db.db.select().from(syncAttempts).where(eq(syncAttempts.workflowId, 'qbo-sync:cred:credit_note:cn-c'));
    expect(attempts.map((a) => [a.attemptNo, a.class, a.code])).toEqual([[2, 'provider_rejection', '6000']]);
  });
});

describe('voidRecord of an application', () => {
  it('voids the application Payment, so the invoice is open again, and marks it voided on the reference', async () => {
    const cn = await creditNoteOn('cn-v', 7500);
    const applied = await run(acts.applyCredit, cn.input(2));
    const ref: ExternalRef = { ...cn.ref, application: applied.application };

    const done = await run(acts.voidRecord, { tenantId: 'cred', workflowId: cn.input(3).workflowId, recordType: 'credit_note', number: 'CN-cn-v', externalRef: ref, requestId: 'req-cn-v-3', attemptNo: 3, step: 'application' as const });

    expect(done.externalRef).toMatchObject({ entity: 'CreditMemo', qboId: cn.creditMemoId, application: { qboId: applied.application.qboId, voided: 'voided' } });
    expect(done.externalRef.voided).toBeUndefined();
    expect(String(entity('Payment', applied.application.qboId).PrivateNote)).toBe('Voided');
    expect(Number(entity('Invoice', cn.invoiceId).Balance)).toBe(7500);
    // The CreditMemo itself is the next step's: untouched here, its credit free again.
    expect(Number(entity('CreditMemo', cn.creditMemoId).RemainingCredit)).toBe(2500);
  });
});
