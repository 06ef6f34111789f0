import { describe, expect, it } from 'vitest';
import {
  assignmentMessage,
  authorizationMessage,
  dedupeKey,
  DEFAULT_ROUTES,
  digestMessage,
  escalationMessage,
  messageKey,
  notifyWorkflowId,
  personRecipients,
  rateLimited,
  recipientsFor,
  resolveContact,
  rootCauseMessage,
  routeContact,
  tellsRootCause,
  shouldDisableEndpoint,
  webhookPayload,
  type Person,
  type RecordFacts,
  type TenantRoutes,
} from '../../domain/notifications.ts';
import type { RootCause } from '../../domain/queue.ts';

const people: Person[] = [
  { email: 'ada@acme.example', name: 'Ada Admin', role: 'admin', tenantId: 'acme' },
  { email: 'root@hq.example', name: 'Head Office Admin', role: 'admin', tenantId: null },
  { email: 'fatuma@acme.example', name: 'Fatuma Finance', role: 'finance', tenantId: 'acme' },
  { email: 'other@globex.example', name: 'Globex Admin', role: 'admin', tenantId: 'globex' },
];

const drum: RootCause = { tenantId: 'acme', cause: 'mapping', refKind: 'item', refKey: 'itm-legacy-drum', code: 'missing', failureClass: 'mapping' };

const po: RecordFacts = {
  number: 'PO-2026-0900',
  recordType: 'purchase_order',
  state: 'blocked',
  failureClass: 'duplicate_risk',
  owner: 'finance',
  actionNeeded: 'Link it to the existing entity, or create it anyway.',
  amountMinor: 14_800_000,
  currency: 'KES',
  blockedSince: '2026-11-03T08:00:00.000Z',
};

describe('routing', () => {
  it("reaches the tenant's console users of a role (and those of every tenant), each by e-mail and in the console, never another tenant's", () => {
    expect(recipientsFor(DEFAULT_ROUTES.admin, people, 'acme')).toEqual([
      { channel: 'email', address: 'ada@acme.example' },
      { channel: 'console', address: 'ada@acme.example' },
      { channel: 'email', address: 'root@hq.example' },
      { channel: 'console', address: 'root@hq.example' },
    ]);
  });

  it('adds named addresses (in the console too when one is a console user) and webhooks, each recipient once', () => {
    const route = { label: 'Controller', roles: ['admin' as const], emails: ['controller@acme.example', 'ADA@acme.example'], webhooks: ['finance-slack'] };
    expect(recipientsFor(route, people, 'acme')).toEqual([
      { channel: 'email', address: 'ada@acme.example' },
      { channel: 'console', address: 'ada@acme.example' },
      { channel: 'email', address: 'root@hq.example' },
      { channel: 'console', address: 'root@hq.example' },
      { channel: 'email', address: 'controller@acme.example' },
      { channel: 'webhook', address: 'finance-slack' },
    ]);
    expect(personRecipients('someone@else.example', people, 'acme')).toEqual([{ channel: 'email', address: 'someone@else.example' }]);
  });

  it('reads an escalation contact as an audience, an address, a person by name, or a route by its label', () => {
    const routes: TenantRoutes = { ...DEFAULT_ROUTES, escalation_2: { label: 'CFO', roles: [], emails: ['cfo@acme.example'], webhooks: [] } };
    expect(resolveContact('Level 1', routes, people, 'acme')).toEqual({ audience: 'escalation_1' });
    expect(resolveContact('admin', routes, people, 'acme')).toEqual({ audience: 'admin' });
    expect(resolveContact('Controller@Acme.example', routes, people, 'acme')).toEqual({ address: 'controller@acme.example' });
    expect(resolveContact('fatuma finance', routes, people, 'acme')).toEqual({ address: 'fatuma@acme.example' });
    expect(resolveContact('cfo', routes, people, 'acme')).toEqual({ audience: 'escalation_2' });
    expect(resolveContact('Globex Admin', routes, people, 'acme')).toBeUndefined();
    expect(resolveContact('the auditors', routes, people, 'acme')).toBeUndefined();
  });

  it("names a contact by its label, or by whom it reaches", () => {
    expect(routeContact('escalation_1', DEFAULT_ROUTES.escalation_1)).toBe('finance controller');
    expect(routeContact('admin', { label: null, roles: ['admin'], emails: ['it@acme.example'], webhooks: ['ops'] })).toBe('the admins, it@acme.example, webhook ops');
    expect(routeContact('escalation_2', { label: null, roles: [], emails: [], webhooks: [] })).toBe('escalation level 2');
  });
});

describe('one message per root cause, per recipient', () => {
  it('gives every record blocked on the same cause (the same day) the same message key, and each recipient and channel its own row', () => {
    const cause = { refKind: 'item', refKey: 'itm-legacy-drum', problem: 'missing' as const };
    const first = messageKey('acme', { trigger: 'root_cause', cause, workflowId: 'qbo-sync:acme:purchase_order:po-1' }, '2026-11-03');
    const second = messageKey('acme', { trigger: 'root_cause', cause, workflowId: 'qbo-sync:acme:purchase_order:po-2' }, '2026-11-03');
    expect(second).toBe(first);
    expect(messageKey('acme', { trigger: 'root_cause', cause, workflowId: 'x' }, '2026-12-01')).not.toBe(first);
    expect(messageKey('acme', { trigger: 'root_cause', cause: { ...cause, problem: 'stale' }, workflowId: 'x' }, '2026-11-03')).not.toBe(first);
    expect(dedupeKey(first, { channel: 'email', address: 'Ada@acme.example' })).toBe(dedupeKey(first, { channel: 'email', address: 'ada@acme.example' }));
    expect(dedupeKey(first, { channel: 'email', address: 'ada@acme.example' })).not.toBe(dedupeKey(first, { channel: 'console', address: 'ada@acme.example' }));
    expect(notifyWorkflowId('acme', first)).toBe(`notify:acme:${first}`);
  });

  it('tells of a missing or stale mapping, not of a reference still on its way', () => {
    expect(tellsRootCause('missing')).toBe(true);
    expect(tellsRootCause('stale')).toBe(true);
    expect(tellsRootCause(undefined)).toBe(true);
    expect(tellsRootCause('not_synced')).toBe(false);
  });

  it('keys people and SLA messages by what happened: each assignment and escalation once, each SLA level once, a digest once a day', () => {
    const wf = 'qbo-sync:acme:bill:b-1';
    expect(messageKey('acme', { trigger: 'assignment', workflowId: wf, assignee: 'a', actor: 'x', seq: 7 })).not.toBe(messageKey('acme', { trigger: 'assignment', workflowId: wf, assignee: 'a', actor: 'x', seq: 9 }));
    const sla1 = messageKey('acme', { trigger: 'escalation', workflowId: wf, level: 1, blockedSince: '2026-11-03T08:00:00Z' });
    expect(messageKey('acme', { trigger: 'escalation', workflowId: wf, level: 2, blockedSince: '2026-11-03T08:00:00Z' })).not.toBe(sla1);
    expect(messageKey('acme', { trigger: 'digest', person: 'Ada@acme.example', day: '2026-11-04' })).toBe('digest:acme:ada@acme.example:2026-11-04');
    expect(messageKey('acme', { trigger: 'authorization', problem: 'reconnect_due', dueAt: '2026-12-01T10:00:00Z' })).toBe('authorization:acme:reconnect_due:2026-12-01');
  });
});

describe('rate limit', () => {
  it('holds back root-cause and assignment e-mails past the limit per person, never escalations, connection problems, digests, the bell or webhooks', () => {
    expect(rateLimited('root_cause', 'email', 9)).toBe(false);
    expect(rateLimited('root_cause', 'email', 10)).toBe(true);
    expect(rateLimited('assignment', 'email', 10)).toBe(true);
    expect(rateLimited('assignment', 'console', 1000)).toBe(false);
    for (const t of ['escalation', 'authorization', 'digest'] as const) expect(rateLimited(t, 'email', 1000), t).toBe(false);
    expect(rateLimited('root_cause', 'webhook', 1000)).toBe(false);
  });
});

describe('what a message says', () => {
  it("names a root cause's blast radius in its subject, who owns the next step, and links to the fix and the held records", () => {
    const m = rootCauseMessage({
      rc: drum,
      breakdown: [{ recordType: 'purchase_order', records: 3 }],
      amounts: [{ currency: 'KES', amountMinor: 14_800_000 }],
      tenantName: 'AWRA Demo Kenya Ltd',
      fixLink: 'https://sync.example/mappings?tenantId=acme&kind=item&key=itm-legacy-drum',
      records: [{ number: 'PO-2026-0900', link: 'https://sync.example/records/po' }],
      more: 2,
    });
    expect(m.subject).toBe('Item itm-legacy-drum has no QuickBooks mapping — blocks 3 purchase orders, KES 148,000.00');
    expect(m.body).toContain('Next step — an admin: map Item itm-legacy-drum to its QuickBooks entity.');
    expect(m.body).toContain('https://sync.example/mappings?tenantId=acme&kind=item&key=itm-legacy-drum');
    expect(m.body).toContain('- PO-2026-0900: https://sync.example/records/po');
    expect(m.body).toContain('and 2 more');
    expect(m.link).toBe('https://sync.example/mappings?tenantId=acme&kind=item&key=itm-legacy-drum');
  });

  it('escalates with the evidence: attempts, QuickBooks’ last message, retries, where it stands in QuickBooks, and the link', () => {
    const evidence = { attempts: 2, retryCount: 1, lastProviderMessage: 'QuickBooks error 6140: Duplicate Doc Num', externalRefStatus: 'not in QuickBooks yet' };
    const manual = escalationMessage({ record: po, evidence, level: 'manual', contact: 'controller@acme.example', note: 'Decide before close', actor: 'user:ada@acme.example', link: 'https://sync.example/records/po' });
    expect(manual.subject).toBe('Escalated: PO-2026-0900 — may already exist in QuickBooks');
    for (const line of ['- Attempts sent to QuickBooks: 2', '- Automatic retries: 1', "- QuickBooks' last message: QuickBooks error 6140: Duplicate Doc Num", '- In QuickBooks: not in QuickBooks yet', '“Decide before close”']) {
      expect(manual.body).toContain(line);
    }
    expect(manual.body).toContain('Next step — controller@acme.example (owner finance): decide or act on the record here: https://sync.example/records/po');
    const sla2 = escalationMessage({ record: po, evidence, level: 2, contact: 'Finance director', link: 'l' });
    expect(sla2.subject).toBe('Escalated (level 2): PO-2026-0900 — may already exist in QuickBooks');
    expect(sla2.body).toContain('escalated to Finance director (level 2)');
  });

  it('tells an assignee, the admins about the connection, and a person their digest, each with its next step', () => {
    expect(assignmentMessage({ record: po, assignee: 'fatuma@acme.example', actor: 'user:ada@acme.example', link: 'L' }).body).toContain('Next step — fatuma@acme.example: open the record and resolve it: L');
    const auth = authorizationMessage({ tenantName: 'Acme', problem: 'refresh_failed', detail: 'invalid_grant', blocked: 4, link: 'C' });
    expect(auth.subject).toBe('Reconnect QuickBooks for Acme: the connection was refused');
    expect(auth.body).toContain('4 record(s) wait for it now');
    expect(authorizationMessage({ tenantName: 'Acme', problem: 'reconnect_due', daysLeft: 12, blocked: 0, link: 'C' }).subject).toBe('Reconnect QuickBooks for Acme within 12 day(s)');
    const digest = digestMessage({
      name: 'Fatuma',
      tenantName: 'Acme',
      day: '2026-11-04',
      total: 2,
      link: 'Q',
      items: [
        { number: 'BILL-1', recordType: 'bill', why: 'owner finance', actionNeeded: 'Post it in AWRA.', blockedSince: '2026-11-01T00:00:00Z', link: 'B1' },
        { number: 'INV-2', recordType: 'invoice', why: 'assigned to you', actionNeeded: null, blockedSince: '2026-11-03T00:00:00Z', link: 'I2' },
      ],
    });
    expect(digest.subject).toBe('Acme: 2 record(s) waiting for you (2026-11-04)');
    expect(digest.body.indexOf('BILL-1')).toBeLessThan(digest.body.indexOf('INV-2'));
  });

  it('posts Slack-compatible JSON: text for any receiver, blocks for Slack', () => {
    const p = webhookPayload({ subject: 'S', body: 'B', link: 'https://x/y' }, { trigger: 'root_cause', tenantId: 'acme', workflowId: null, id: 5 });
    expect(p.text).toBe('S\nhttps://x/y');
    expect(p.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '*S*' } });
    expect(p.notification).toEqual({ id: 5, trigger: 'root_cause', tenantId: 'acme', workflowId: null });
  });

  it('disables a webhook endpoint at its limit of failures in a row', () => {
    expect(shouldDisableEndpoint(2, 3)).toBe(false);
    expect(shouldDisableEndpoint(3, 3)).toBe(true);
  });
});
