/**
 * The notification activities in the fast tier, under `MockActivityEnvironment` against an in-process PGlite: what a
 * plan writes to the ledger (and what it holds back, saying why), how one delivery attempt becomes evidence, and how
 * asking for a message starts — or joins — its notify workflow. Delivery end to end is test/e2e/notifications.test.ts.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createNotifyActivities } from '../../activities/notify.ts';
import { insertPlanned } from '../../db/queries/notifications.ts';
import { projectSync } from '../../db/queries/syncs.ts';
import { createTenant } from '../../db/queries/tenants.ts';
import { createUser } from '../../db/queries/users.ts';
import { notificationDeliveries, notifications } from '../../db/schema.ts';
import { ErrorTypes } from '../../domain/errors.ts';
import { messageKey, RATE_LIMIT, type NotifyAbout, type NotifyInput } from '../../domain/notifications.ts';
import { MailRefused, type Mailer, type OutgoingMail } from '../../runtime/mailer.ts';
import { syncStatus } from '../fixtures/sync-status.ts';
import { TEST_PASSWORD_COST } from '../support/console.ts';
import { createFastDb, type FastDb } from '../support/fast-db.ts';
import { createFakeTemporal, type FakeTemporal } from '../support/fast-temporal.ts';

let db: FastDb;
let temporal: FakeTemporal;
const sent: OutgoingMail[] = [];
let refuse: MailRefused | undefined;
const mailer: Mailer = {
  async send(m) {
    if (refuse) throw refuse;
    sent.push(m);
    return { messageId: `<${sent.length}@test>`, response: '250 OK: queued' };
  },
  close() {},
};

const PO = 'qbo-sync:acme:purchase_order:po-1';
const cause = { refKind: 'item', refKey: 'itm-legacy-drum', problem: 'missing' as const };

beforeAll(async () => {
  db = await createFastDb();
  temporal = createFakeTemporal();
  await createTenant(db.db, { id: 'acme', name: 'Acme Ltd', homeCurrency: 'KES' });
  await createUser(db.db, { email: 'ada@acme.example', name: 'Ada Admin', role: 'admin', password: 'x'.repeat(12), tenantId: 'acme' }, { cost: TEST_PASSWORD_COST });
  await createUser(db.db, { email: 'fatuma@acme.example', name: 'Fatuma', role: 'finance', password: 'x'.repeat(12), tenantId: 'acme' }, { cost: TEST_PASSWORD_COST });
  await projectSync(
    db.db,
    syncStatus(PO, {
      number: 'PO-1',
      mappings: [{ kind: 'item', key: 'itm-legacy-drum', reason: 'Item itm-legacy-drum has no QuickBooks mapping.', ok: false, problem: 'missing' }],
      blockedSince: '2026-11-03T08:00:00.000Z',
      slaDueAt: '2026-11-04T08:00:00.000Z',
    }),
    [],
    { currency: 'KES', amountMinor: 14_800_000 },
  );
});
afterAll(async () => {
  await db?.close();
});

function env() {
  return new MockActivityEnvironment({ taskQueue: 'fast-tier' }, { client: temporal.client, logger: new DefaultLogger('ERROR') });
}
function run<I, R>(activity: (input: I) => Promise<R>, input: I): Promise<R> {
  return env().run(activity, input) as Promise<R>;
}
const input = (about: NotifyAbout, occurrence?: string): NotifyInput => ({ tenantId: 'acme', about, messageKey: messageKey('acme', about, occurrence) });
const rowsOf = (key: string) => db.db.select().from(notifications).where(eq(notifications.messageKey, key));

describe('planNotification', () => {
  it("writes one row per admin and channel with the blast radius as it is now, and nothing new when the message is planned again", async () => {
    const acts = createNotifyActivities({ db: db.db, mailer, consoleUrl: 'https://sync.example' });
    const i = input({ trigger: 'root_cause', cause, workflowId: PO }, '2026-11-03');
    const plan = await run(acts.planNotification, i);
    expect(plan.deliveries.map((d) => d.channel).sort()).toEqual(['console', 'email']);
    const rows = await rowsOf(i.messageKey);
    expect(rows.map((r) => [r.channel, r.recipient, r.status])).toEqual(expect.arrayContaining([['email', 'ada@acme.example', 'pending'], ['console', 'ada@acme.example', 'pending']]));
    expect(rows[0]!.subject).toBe('Item itm-legacy-drum has no QuickBooks mapping — blocks 1 purchase order, KES 148,000.00');
    expect(rows[0]!.link).toBe('https://sync.example/mappings?tenantId=acme&kind=item&key=itm-legacy-drum');
    const again = await run(acts.planNotification, i);
    expect(again.deliveries).toEqual(plan.deliveries);
    expect(await rowsOf(i.messageKey)).toHaveLength(2);
  });

  it('records e-mail as not sent when SMTP is not configured, saying so, and still delivers in the console', async () => {
    const acts = createNotifyActivities({ db: db.db });
    const i = input({ trigger: 'escalation', workflowId: PO, level: 1, blockedSince: '2026-11-03T08:00:00.000Z' });
    const plan = await run(acts.planNotification, i);
    expect(plan).toMatchObject({ suppressed: 1, deliveries: [{ channel: 'console' }] });
    const email = (await rowsOf(i.messageKey)).find((r) => r.channel === 'email');
    expect(email).toMatchObject({ status: 'suppressed', lastError: 'E-mail is off: SMTP_URL is not set.' });
  });

  it('holds back root-cause e-mails to a person past the hourly limit (not the bell), but never an escalation', async () => {
    const acts = createNotifyActivities({ db: db.db, mailer });
    const earlier = Array.from({ length: RATE_LIMIT.max }, (_, n) => ({
      tenantId: 'acme',
      messageKey: `earlier-${n}`,
      channel: 'email' as const,
      recipient: 'ada@acme.example',
      subject: 's',
      body: 'b',
      link: 'l',
      trigger: 'root_cause' as const,
      workflowId: null,
      dedupeKey: `earlier-${n}|email|ada@acme.example`,
      status: 'pending' as const,
    }));
    for (const r of earlier) await insertPlanned(db.db, r.messageKey, [r]);
    const noisy = input({ trigger: 'root_cause', cause: { ...cause, problem: 'missing' }, workflowId: PO }, '2026-11-04');
    await run(acts.planNotification, noisy);
    expect((await rowsOf(noisy.messageKey)).find((r) => r.channel === 'console')).toMatchObject({ status: 'pending' });
    expect((await rowsOf(noisy.messageKey)).find((r) => r.channel === 'email')).toMatchObject({ status: 'suppressed', lastError: expect.stringMatching(/already had 1\d e-mails in the last 60 minutes/) });
    const urgent = input({ trigger: 'escalation', workflowId: PO, level: 2, blockedSince: '2026-11-03T08:00:00.000Z' });
    await run(acts.planNotification, urgent);
    expect((await rowsOf(urgent.messageKey)).find((r) => r.channel === 'email')).toMatchObject({ status: 'pending' });
  });
});

describe('sendEmailNotification', () => {
  it('sends once and keeps the SMTP answer as the attempt; a permanent refusal is not retried', async () => {
    const acts = createNotifyActivities({ db: db.db, mailer });
    const i = input({ trigger: 'assignment', workflowId: PO, assignee: 'fatuma@acme.example', actor: 'user:ada@acme.example', seq: 4 });
    const plan = await run(acts.planNotification, i);
    const email = plan.deliveries.find((d) => d.channel === 'email')!;
    await run(acts.sendEmailNotification, { id: email.id });
    await run(acts.sendEmailNotification, { id: email.id });
    expect(sent.filter((m) => m.to === 'fatuma@acme.example')).toHaveLength(1);
    expect(sent.at(-1)).toMatchObject({ subject: 'PO-1 is assigned to you: missing or stale mapping', headers: { 'X-QSH-Trigger': 'assignment', 'X-QSH-Workflow-Id': PO } });
    const [row] = (await rowsOf(i.messageKey)).filter((r) => r.channel === 'email');
    expect(row).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await db.db.select().from(notificationDeliveries).where(eq(notificationDeliveries.notificationId, row!.id))).toEqual([
      expect.objectContaining({ attempt: 1, ok: true, detail: '250 OK: queued' }),
    ]);

    const j = input({ trigger: 'assignment', workflowId: PO, assignee: 'nobody@acme.example', actor: 'user:ada@acme.example', seq: 5 });
    const refused = (await run(acts.planNotification, j)).deliveries[0]!;
    refuse = new MailRefused('550 5.1.1 mailbox unavailable', 550);
    const err = await run(acts.sendEmailNotification, { id: refused.id }).catch((e: unknown) => e);
    refuse = undefined;
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: ErrorTypes.NotificationUndeliverable, nonRetryable: true });
    expect((await rowsOf(j.messageKey))[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: '550 5.1.1 mailbox unavailable' });
  });
});

describe('requestNotification', () => {
  it('starts the notify workflow under the message key, and a second ask for the same cause joins it', async () => {
    const acts = createNotifyActivities({ db: db.db });
    const first = await run(acts.requestNotification, { tenantId: 'acme', about: { trigger: 'root_cause', cause, workflowId: PO } });
    const second = await run(acts.requestNotification, { tenantId: 'acme', about: { trigger: 'root_cause', cause, workflowId: 'qbo-sync:acme:purchase_order:po-2' } });
    expect(first.workflowId).toBe('notify:acme:root_cause:acme:item:itm-legacy-drum:missing:2026-11-03');
    expect(second.workflowId).toBe(first.workflowId);
    expect(temporal.workflows.get(first.workflowId!)!.type).toBe('notify');
    // A root cause waits out its grace period before it is composed.
    expect(temporal.workflows.get(first.workflowId!)!.args[0]).toMatchObject({ messageKey: 'root_cause:acme:item:itm-legacy-drum:missing:2026-11-03', holdSeconds: 120 });
    expect(temporal.calls.filter((c) => c.op === 'start')).toHaveLength(2);
  });

  it("answers the escalation contact by the tenant's route", async () => {
    const acts = createNotifyActivities({ db: db.db });
    const asked = await run(acts.requestNotification, { tenantId: 'acme', about: { trigger: 'escalation', workflowId: PO, level: 1, blockedSince: '2026-11-03T08:00:00.000Z' } });
    expect(asked.contact).toBe('finance controller');
  });
});
