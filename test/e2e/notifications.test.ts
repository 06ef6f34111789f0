/**
 * Issue 17 end to end, through the worker and Temporal: who is told when a record blocks, is escalated (by hand or by
 * the SLA) or assigned, delivered by the notify workflow over SMTP (to the SMTP catcher `npm start` runs, here in the
 * test process) and in the console, with every attempt in the ledger and in the record's timeline.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCaughtMail, listCaughtMail } from '../../db/queries/caught-mail.ts';
import { notifications, sessions, users, webhookEndpoints, type CaughtMailRow } from '../../db/schema.ts';
import { dailyNotifications } from '../../workflows/index.ts';
import { notifyWorkflowId, type NotifyResult } from '../../domain/notifications.ts';
import { createMailer, type Mailer } from '../../runtime/mailer.ts';
import { decodeHistory } from '../../runtime/payload-codec.ts';
import { startMailCatcher, type MailCatcher } from '../../scripts/mail-catcher.ts';
import { awra } from '../fixtures/awra.ts';
import { createConsoleUser, signIn, type TestUser } from '../support/console.ts';
import { createHarness, eventually, exportHistory, type Harness } from '../support/harness.ts';
import { tenantWithVendor } from '../support/setups.ts';
import { chain, connectedTenant, submit, waitFor } from '../support/tenant.ts';

const CONSOLE = 'http://console.test';

let h: Harness;
let catcher: MailCatcher;
let mailer: Mailer;
let admin: TestUser;

beforeAll(async () => {
  // The catcher stores what it receives as `npm start`'s does: in Postgres, for the console's caught-mail page.
  catcher = await startMailCatcher({ port: 0, onMessage: (m) => insertCaughtMail(h.db.db, m) });
  mailer = createMailer(catcher.url);
  h = await createHarness({ notify: { mailer, consoleUrl: CONSOLE, rootCauseGraceSeconds: 1, notifyRetry: { initialIntervalMs: 200, maximumIntervalMs: 1_000, maximumAttempts: 4 } } });
  await tenantWithVendor(h, 'notif', 'Mombasa Freight Ltd');
  admin = await createConsoleUser(h, 'admin', { email: 'ops-admin@notif.example', name: 'Ops Admin', tenantId: 'notif' });
  // Finance and another tenant's admin are not the admins of this tenant's mapping problems.
  await createConsoleUser(h, 'finance', { email: 'clerk@notif.example', tenantId: 'notif' });
  await createConsoleUser(h, 'admin', { email: 'elsewhere@other.example', tenantId: 'other' }).catch(() => undefined);
});
afterAll(async () => {
  await h?.close();
  mailer?.close();
  await catcher?.close();
});

const mailTo = async (address: string) => (await listCaughtMail(h.db.db, 500)).filter((m) => m.rcptTo.includes(address));
/** The e-mail caught for `address` (those `which` keeps), once there is some. */
const mailFor = (address: string, which: (m: CaughtMailRow) => boolean = () => true) =>
  eventually(async () => {
    const m = (await mailTo(address)).filter(which);
    return m.length ? m : undefined;
  }, `e-mail to ${address}`);
const ledger = (tenantId: string) => h.db.db.select().from(notifications).where(eq(notifications.tenantId, tenantId));

/** Resolves once the record's workflow waits on a timer: everything it did on blocking (telling people included) is done. */
async function waitingOnTimer(workflowId: string): Promise<void> {
  await eventually(async () => {
    const history = await h.env.client.workflow.getHandle(workflowId).fetchHistory();
    return history.events?.some((e) => e.timerStartedEventAttributes) ? true : undefined;
  }, `${workflowId} to wait on a timer`);
}

/** The notify workflows a record's workflow asked for (the results of its requestNotification calls). */
async function askedFor(workflowId: string): Promise<string[]> {
  const history = await decodeHistory(await h.env.client.workflow.getHandle(workflowId).fetchHistory(), h.payloadCodec);
  const out: string[] = [];
  for (const e of history.events ?? []) {
    for (const p of e.markerRecordedEventAttributes?.details?.result?.payloads ?? []) {
      if (Buffer.from(p.metadata?.encoding ?? []).toString() !== 'json/plain') continue;
      const value = JSON.parse(Buffer.from(p.data ?? []).toString('utf8')) as { workflowId?: string; contact?: string } | null;
      if (value && typeof value === 'object' && 'contact' in value && value.workflowId) out.push(value.workflowId);
    }
  }
  return out;
}

/** The delivery of one message, once it is over. */
async function delivered(tenantId: string, messageKey: string): Promise<NotifyResult> {
  return h.env.client.workflow.getHandle(notifyWorkflowId(tenantId, messageKey)).result();
}

describe('a new root cause', () => {
  it("tells the tenant's admins once, by e-mail and in the console, however many purchase orders it blocks", async () => {
    const po1 = await submit(h, awra.purchaseOrder('notif', 'po-drum-1', 'PO-N-0001', 'ven-1', 'itm-legacy-drum'));
    await waitFor(h, po1, 'blocked', (c) => c.failureClass === 'mapping');

    const [mail] = await mailFor(admin.email);
    expect(mail!.subject).toBe('Item itm-legacy-drum has no QuickBooks mapping — blocks 1 purchase order, KES 5,000.00');
    expect(mail!.text).toContain('Next step — an admin: map Item itm-legacy-drum to its QuickBooks entity.');
    expect(mail!.text).toContain(`${CONSOLE}/mappings?tenantId=notif&kind=item&key=itm-legacy-drum`);
    expect(mail!.text).toContain(`- PO-N-0001: ${CONSOLE}/records/${encodeURIComponent(po1)}`);
    expect(mail!.headers['x-qsh-trigger']).toBe('root_cause');

    const rows = await eventually(async () => {
      const r = await ledger('notif');
      return r.length === 2 && r.every((n) => n.status === 'sent') ? r : undefined;
    }, 'both rows of the message sent');
    expect(rows.map((n) => [n.channel, n.recipient, n.trigger, n.workflowId, n.attempts]).sort()).toEqual([
      ['console', admin.email, 'root_cause', po1, 1],
      ['email', admin.email, 'root_cause', po1, 1],
    ]);
    const key = rows[0]!.messageKey;

    // A second purchase order on the same cause asks again: it joins the same message, nothing is sent twice.
    const po2 = await submit(h, awra.purchaseOrder('notif', 'po-drum-2', 'PO-N-0002', 'ven-1', 'itm-legacy-drum'));
    await waitFor(h, po2, 'blocked', (c) => c.failureClass === 'mapping');
    await waitingOnTimer(po2);
    expect(await askedFor(po1)).toEqual([notifyWorkflowId('notif', key)]);
    expect(await askedFor(po2)).toEqual([notifyWorkflowId('notif', key)]);
    expect(await delivered('notif', key)).toEqual({ messageKey: key, sent: 2, failed: 0, suppressed: 0 });
    await exportHistory(h, po1, 'po-mapping-blocked-admins-told');
    await exportHistory(h, notifyWorkflowId('notif', key), 'notify-root-cause-delivered');
    expect(await mailTo(admin.email)).toHaveLength(1);
    expect(await ledger('notif')).toHaveLength(2);
    expect(await mailTo('clerk@notif.example')).toHaveLength(0);
    expect(await mailTo('elsewhere@other.example')).toHaveLength(0);

    // The ledger through the API, newest first, and the delivery as evidence in the record's timeline.
    const api = await h.api('GET', '/api/v1/notifications?tenantId=notif');
    expect(api.status).toBe(200);
    expect(api.json.notifications).toHaveLength(2);
    expect(api.json.notifications[0]).toMatchObject({ trigger: 'root_cause', workflowId: po1, status: 'sent', attempts: 1, subject: mail!.subject });
    expect(Object.keys(api.json.notifications[0]).sort()).toEqual(['attempts', 'channel', 'createdAt', 'id', 'recipient', 'sentAt', 'status', 'subject', 'trigger', 'workflowId']);

    const console = await signIn(h.app, admin);
    const bell = await (await console.get('/notifications/bell', { hx: true })).text();
    expect(bell).toContain('Notifications: 1 unread');
    expect(bell).toContain('hx-trigger="every 30s"');
    const page = await (await console.get(`/records/${encodeURIComponent(po1)}`)).text();
    expect(page).toContain(`E-mail to ${admin.email}: “${mail!.subject}” — delivered, attempt 1`);
    expect(page).toContain(`In the console to ${admin.email}`);

    // Opening it from the list marks it read and goes to the fix.
    const inbox = (await h.db.db.select().from(notifications).where(and(eq(notifications.tenantId, 'notif'), eq(notifications.channel, 'console'))))[0]!;
    const open = await console.post(`/notifications/${inbox.id}/open`);
    expect(open.status).toBe(303);
    expect(open.headers.get('location')).toBe('/mappings?tenantId=notif&kind=item&key=itm-legacy-drum');
    expect(await (await console.get('/notifications/bell', { hx: true })).text()).toContain('Notifications: 0 unread');
  });
});

describe('escalation and assignment', () => {
  it('escalates by itself to the level-1 contact after the SLA and to level 2 a second SLA later, each told with the evidence', async () => {
    await connectedTenant(h, 'notif-sla', { slaSeconds: 2 });
    const routes = await h.api('PUT', '/api/v1/notifications/routes/notif-sla', {
      audiences: {
        admin: { roles: [], emails: [] },
        escalation_1: { label: 'Finance controller', emails: ['controller@notif.example'] },
        escalation_2: { label: 'Finance director', emails: ['director@notif.example'] },
      },
    });
    expect(routes.status).toBe(200);
    const id = await submit(h, awra.bill('notif-sla', 'bill-sla', 'BILL-SLA-9', 'ven-x', { status: 'approved' }));
    const first = await waitFor(h, id, 'blocked', (c) => c.escalatedTo === 'Finance controller', 30_000);
    expect(first.events.map((e: { kind: string }) => e.kind)).toContain('sla_escalated');
    const second = await waitFor(h, id, 'blocked', (c) => c.escalatedTo === 'Finance director', 30_000);
    await exportHistory(h, id, 'sla-escalated-to-level-2');
    expect(second.events.filter((e: { kind: string }) => e.kind === 'sla_escalated').map((e: { message: string }) => e.message.match(/\(level \d\)/)?.[0])).toEqual(['(level 1)', '(level 2)']);

    const [toController] = await mailFor('controller@notif.example');
    expect(toController!.subject).toBe('Escalated (level 1): BILL-SLA-9 — source data needs correction');
    for (const line of ['- Attempts sent to QuickBooks: 0', '- Automatic retries: 0', "- QuickBooks' last message: none", '- In QuickBooks: not in QuickBooks yet', `${CONSOLE}/records/${encodeURIComponent(id)}`]) {
      expect(toController!.text).toContain(line);
    }
    const [toDirector] = await mailFor('director@notif.example');
    expect(toDirector!.subject).toBe('Escalated (level 2): BILL-SLA-9 — source data needs correction');
    // Nobody else is on these routes, and the director was not told of level 1.
    expect(await mailTo('controller@notif.example')).toHaveLength(1);
    expect(await mailTo('director@notif.example')).toHaveLength(1);
  });

  it("tells the contact a person escalates to, with the evidence, and an assignee that they own the record", async () => {
    const id = await submit(h, awra.bill('notif', 'bill-unposted', 'BILL-N-0003', 'ven-1', { status: 'approved' }));
    await waitFor(h, id, 'blocked');
    const escalated = await h.api('POST', `/api/v1/records/${encodeURIComponent(id)}/actions/escalate`, { to: 'cfo@notif.example', note: 'Needed before the November close' });
    expect(escalated.status).toBe(200);
    const assigned = await h.api('POST', `/api/v1/records/${encodeURIComponent(id)}/actions/assign`, { assignee: 'clerk@notif.example' });
    expect(assigned.status).toBe(200);

    const [toCfo] = await mailFor('cfo@notif.example');
    expect(toCfo!.subject).toBe('Escalated: BILL-N-0003 — source data needs correction');
    expect(toCfo!.text).toContain('api-key:test-admin escalated BILL-N-0003 to cfo@notif.example: “Needed before the November close”');
    expect(toCfo!.text).toContain('- Automatic retries: 0');
    const [toClerk] = await mailFor('clerk@notif.example');
    expect(toClerk!.subject).toBe('BILL-N-0003 is assigned to you: source data needs correction');
    // The clerk is a console user: the bell has it too.
    const rows = await eventually(async () => {
      const r = (await ledger('notif')).filter((n) => n.workflowId === id && n.status === 'sent');
      return r.length === 3 ? r : undefined;
    }, 'the escalation and assignment rows');
    expect(rows.map((n) => `${n.trigger} ${n.channel} ${n.recipient}`).sort()).toEqual([
      'assignment console clerk@notif.example',
      'assignment email clerk@notif.example',
      'escalation email cfo@notif.example',
    ]);
    expect((await chain(h, id)).escalatedTo).toBe('cfo@notif.example');
  });
});

describe('the QuickBooks connection', () => {
  it("tells the tenant's admins when QuickBooks refuses to renew the connection", async () => {
    const t = await connectedTenant(h, 'notif-auth');
    expect((await h.api('PUT', '/api/v1/notifications/routes/notif-auth', { audiences: { admin: { roles: [], emails: ['conn-admin@notif.example'] } } })).status).toBe(200);
    h.sim.sim.revokeRefreshTokens(t.realmId, true);
    h.sim.sim.expireAccessTokens(t.realmId);
    const id = await submit(h, awra.vendor('notif-auth', 'ven-auth', 'Nakuru Dairy Ltd'));
    await waitFor(h, id, 'blocked', (c) => c.failureClass === 'authorization');
    const [mail] = await mailFor('conn-admin@notif.example');
    expect(mail!.subject).toBe('Reconnect QuickBooks for notif-auth Ltd: the connection was refused');
    expect(mail!.text).toContain('invalid_grant');
    expect(mail!.text).toContain(`Next step — an admin: reconnect QuickBooks here: ${CONSOLE}/connections`);
    expect((await ledger('notif-auth')).map((n) => n.trigger)).toEqual(['authorization']);
  });
});

describe('outgoing webhooks', () => {
  const SECRET = 'whsec-notif-hook-0123456789';
  const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
  let receiver: Server;
  let receiverUrl: string;

  beforeAll(async () => {
    // A receiver that is down: it answers 500 to everything.
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver is down');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/qsh`;
  });
  afterAll(() => new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve())));

  it('retries a failing endpoint with signed Slack-compatible JSON, then disables it, while the e-mail of the same message arrives', async () => {
    await tenantWithVendor(h, 'notif-hook', 'Kisumu Traders Ltd');
    const put = await h.api('PUT', '/api/v1/notifications/routes/notif-hook', {
      audiences: { admin: { roles: [], emails: ['hook-admin@notif.example'], webhooks: ['ops-hook'] } },
      webhooks: [{ name: 'ops-hook', url: receiverUrl, secret: SECRET, disableAfter: 3 }],
    });
    expect(put.status).toBe(200);

    const po = await submit(h, awra.purchaseOrder('notif-hook', 'po-hook-1', 'PO-H-0001', 'ven-1', 'itm-hook-drum'));
    await waitFor(h, po, 'blocked', (c) => c.failureClass === 'mapping');
    const [mail] = await mailFor('hook-admin@notif.example');
    expect(mail!.subject).toBe('Item itm-hook-drum has no QuickBooks mapping — blocks 1 purchase order, KES 5,000.00');

    const rows = await eventually(async () => {
      const r = await ledger('notif-hook');
      return r.find((n) => n.channel === 'webhook' && n.status === 'failed') ? r : undefined;
    }, 'the webhook delivery to give up');
    const hook = rows.find((n) => n.channel === 'webhook')!;
    expect(hook).toMatchObject({ recipient: 'ops-hook', status: 'failed', attempts: 3 });
    expect(hook.lastError).toContain('HTTP 500: receiver is down; endpoint disabled after 3 failed deliveries in a row');
    expect(rows.find((n) => n.channel === 'email')).toMatchObject({ status: 'sent', attempts: 1 });
    await exportHistory(h, notifyWorkflowId('notif-hook', hook.messageKey), 'notify-webhook-disabled-email-sent');

    // Three attempts reached the receiver, each signed with the endpoint's secret over its timestamp and body.
    expect(received).toHaveLength(3);
    for (const r of received) {
      const expected = createHmac('sha256', SECRET).update(`${String(r.headers['x-qsh-timestamp'])}.${r.body}`).digest('hex');
      expect(r.headers['x-qsh-signature']).toBe(`sha256=${expected}`);
      expect(r.headers['content-type']).toBe('application/json');
      const payload = JSON.parse(r.body) as { text: string; blocks: unknown[] };
      expect(payload.text).toBe(`${mail!.subject}\n${CONSOLE}/mappings?tenantId=notif-hook&kind=item&key=itm-hook-drum`);
      expect(payload.blocks.length).toBeGreaterThan(0);
    }
    const [endpoint] = await h.db.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.tenantId, 'notif-hook'));
    expect(endpoint).toMatchObject({ consecutiveFailures: 3, lastStatus: 500 });
    expect(endpoint!.disabledAt).not.toBeNull();
    expect((await h.api('GET', '/api/v1/notifications/routes/notif-hook')).json.webhooks).toEqual([expect.objectContaining({ name: 'ops-hook', enabled: false, consecutiveFailures: 3 })]);

    // The next message does not try the disabled endpoint at all; its e-mail goes out as before.
    const po2 = await submit(h, awra.purchaseOrder('notif-hook', 'po-hook-2', 'PO-H-0002', 'ven-1', 'itm-hook-drum-2'));
    await waitFor(h, po2, 'blocked', (c) => c.failureClass === 'mapping');
    const next = await eventually(async () => {
      const r = (await ledger('notif-hook')).filter((n) => n.workflowId === po2);
      return r.length === 2 && r.every((n) => n.status !== 'pending') ? r : undefined;
    }, 'the second message');
    expect(next.find((n) => n.channel === 'webhook')).toMatchObject({ status: 'suppressed', attempts: 0, lastError: expect.stringContaining('disabled') });
    expect(next.find((n) => n.channel === 'email')).toMatchObject({ status: 'sent' });
    expect(received).toHaveLength(3);

    // The console shows it disabled, and the record's timeline has each failed attempt.
    const console = await signIn(h.app, await createConsoleUser(h, 'admin', { tenantId: 'notif-hook' }));
    const page = await (await console.get('/notifications?tenantId=notif-hook')).text();
    expect(page).toContain('Disabled');
    const record = await (await console.get(`/records/${encodeURIComponent(po)}`)).text();
    expect(record).toContain('Webhook to ops-hook');
    expect(record).toContain('failed, attempt 3 (HTTP 500: receiver is down; endpoint disabled after 3 failed deliveries in a row); gave up');
  });
});

describe('the daily digest', () => {
  it('sends each person what waits for them, oldest first, once a day', async () => {
    const run = () => h.env.client.workflow.execute(dailyNotifications, { workflowId: `daily-test-${Date.now()}`, taskQueue: h.taskQueue, args: [{ tenantId: 'notif' }] });
    const first = await run();
    expect(first.digests).toBeGreaterThanOrEqual(2);
    const digestOf = (email: string) => mailFor(email, (x) => x.headers['x-qsh-trigger'] === 'digest');
    const [toAdmin] = await digestOf(admin.email);
    expect(toAdmin!.subject).toBe(`notif Ltd: 2 record(s) waiting for you (${first.day})`);
    expect(toAdmin!.text.indexOf('PO-N-0001')).toBeLessThan(toAdmin!.text.indexOf('PO-N-0002'));
    const [toClerk] = await digestOf('clerk@notif.example');
    expect(toClerk!.text).toContain('BILL-N-0003 (bill, assigned to you');

    // Run again the same day: the same messages, nothing sent twice.
    const rows = (await ledger('notif')).filter((n) => n.trigger === 'digest');
    const runIds = await Promise.all(rows.map((n) => h.env.client.workflow.getHandle(notifyWorkflowId('notif', n.messageKey)).describe().then((d) => d.runId)));
    const again = await run();
    expect(again.digests).toBe(first.digests);
    expect(await Promise.all(rows.map((n) => h.env.client.workflow.getHandle(notifyWorkflowId('notif', n.messageKey)).describe().then((d) => d.runId)))).toEqual(runIds);
    expect((await ledger('notif')).filter((n) => n.trigger === 'digest')).toHaveLength(rows.length);
  });
});

describe('the Notifications page', () => {
  it("lets an admin set the tenant's routing with the form (refusing a bad address with the field), and shows finance only their own", async () => {
    const console = await signIn(h.app, admin);
    const form = {
      tenantId: 'notif',
      'admin.role.admin': 'on',
      'admin.emails': 'it@notif.example',
      'escalation_1.label': 'Finance controller',
      'escalation_1.emails': 'controller@notif.example, not an address',
      'webhooks.0.name': '',
      'webhooks.0.url': '',
    };
    const refused = await console.post('/notifications/routes', form, { hx: true });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(html).toContain('Enter an e-mail address with an @');
    expect(html).toContain('controller@notif.example, not an address');
    expect((await h.api('GET', '/api/v1/notifications/routes/notif')).json.audiences.escalation_1.label).toBe('finance controller');

    const saved = await console.post('/notifications/routes', { ...form, 'escalation_1.emails': 'controller@notif.example' }, { hx: true });
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain('Routing saved');
    const routes = (await h.api('GET', '/api/v1/notifications/routes/notif')).json.audiences;
    expect(routes.admin).toEqual({ label: null, roles: ['admin'], emails: ['it@notif.example'], webhooks: [] });
    expect(routes.escalation_1).toEqual({ label: 'Finance controller', roles: [], emails: ['controller@notif.example'], webhooks: [] });
    expect(routes.finance).toEqual({ label: null, roles: [], emails: [], webhooks: [] });

    const clerkUser = await createConsoleUser(h, 'finance', { tenantId: 'notif' });
    const clerk = await signIn(h.app, clerkUser);
    const page = await (await clerk.get('/notifications')).text();
    expect(page).toContain('Your notifications');
    expect(page).not.toContain('Who is told');
    expect(page).not.toContain('Sent and attempted');

    // The bell polling by itself does not keep an idle session alive; a page the person opens does.
    const [user] = await h.db.db.select().from(users).where(eq(users.email, clerkUser.email));
    const lastSeen = () => h.db.db.select({ at: sessions.lastSeenAt }).from(sessions).where(eq(sessions.userId, user!.id)).then((r) => r[0]!.at.getTime());
    const idle = new Date(Date.now() - 20 * 60_000);
    await h.db.db.update(sessions).set({ lastSeenAt: idle }).where(eq(sessions.userId, user!.id));
    expect((await h.app.request('/notifications/bell', { headers: { cookie: clerk.cookie, 'hx-request': 'true', 'hx-trigger': 'bell' } })).status).toBe(200);
    expect(await lastSeen()).toBe(idle.getTime());
    await clerk.get('/notifications');
    expect(await lastSeen()).toBeGreaterThan(idle.getTime());
  });
});
