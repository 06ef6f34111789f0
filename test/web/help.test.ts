import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueGroup } from '../../db/queries/queue.ts';
import { KIND_ENTITY } from '../../db/queries/refs.ts';
import { createUser, type ConsoleUser } from '../../db/queries/users.ts';
import type { AttemptRow, SyncRow } from '../../db/schema.ts';
import { HELP_ARTICLES } from '../../domain/help.ts';
import { GroupCard } from '../../web/console/views/queue.tsx';
import { RecordView, type RecordViewProps } from '../../web/console/views/record/index.tsx';
import { syncStatus } from '../fixtures/sync-status.ts';
import { signIn, TEST_PASSWORD_COST, type ConsoleClient } from '../support/console.ts';
import { createFastApp, type FastApp } from '../support/fast-app.ts';

let fast: FastApp;
let finance: ConsoleClient;
let user: ConsoleUser;

beforeAll(async () => {
  fast = await createFastApp();
  const password = 'correct horse help';
  const created = await createUser(fast.db.db, { email: 'fatuma@acme.example', name: 'Fatuma Finance', role: 'finance', password }, { cost: TEST_PASSWORD_COST });
  if (created === 'exists') throw new Error('user exists');
  user = created;
  finance = await signIn(fast.app, { email: created.email, password });
});
afterAll(async () => {
  await fast?.close();
});

/** Every `href` of a help article in `html`. */
const helpLinks = (html: string) => [...html.matchAll(/href="\/help\/([^"]*)"/g)].map((m) => m[1]!);

describe('the help pages', () => {
  it('lists every article on /help, with Help marked in the console nav', async () => {
    const res = await finance.get('/help');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<a href="/help" class="active" aria-current="page">Help</a>');
    expect(new Set(helpLinks(html))).toEqual(new Set(HELP_ARTICLES.map((a) => a.slug)));
    expect(html).toContain('errors 100, 110, 3200');
  });

  it('shows each article with its title and its rendered body', async () => {
    for (const a of HELP_ARTICLES) {
      const res = await finance.get(`/help/${a.slug}`);
      expect(res.status, a.slug).toBe(200);
      const html = await res.text();
      expect(html, a.slug).toContain(`<title>${a.title.replace(/'/g, '&#39;')} · QBO Sync Health</title>`);
      expect(html, a.slug).toContain('<article class="card help-article">');
      expect(html, a.slug).toContain('<h2>How to fix it</h2>');
    }
  });

  it('answers an unknown article with the console 404 page, and htmx with the message', async () => {
    const page = await finance.get('/help/no-such-article');
    expect(page.status).toBe(404);
    const html = await page.text();
    expect(html).toContain('There is no such help article.');
    expect(html).toContain('Sign out');
    const fragment = await finance.get('/help/no-such-article', { hx: true });
    expect(fragment.status).toBe(404);
    expect(fragment.headers.get('hx-retarget')).toBe('#flash');
  });

  it('answers 404 to paths that try to reach other files, and never shows one', async () => {
    for (const path of [
      '/help/../../etc/passwd',
      '/help/..%2F..%2Fetc%2Fpasswd',
      '/help/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/help/..%5C..%5Cpackage.json',
      '/help/..%2F..%2Fpackage',
      '/help/mapping.md',
      '/help/MAPPING',
      '/help/%2Fetc%2Fpasswd',
      '/help/__proto__',
      '/help/constructor',
    ]) {
      const res = await finance.get(path);
      expect(res.status, path).toBe(404);
      const body = await res.text();
      expect(body, path).not.toMatch(/root:|"name": "qbo-sync-health"|<article/);
    }
  });

  it('sends a visitor without a session to sign in', async () => {
    const res = await fast.app.request('/help/mapping');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/login?next=${encodeURIComponent('/help/mapping')}`);
  });
});

const WORKFLOW_ID = 'qbo-sync:acme:bill:bill-1';

function recordProps(row: Partial<SyncRow>, attempts: Partial<AttemptRow>[] = []): RecordViewProps {
  const now = new Date('2026-03-02T10:00:00Z');
  const status = syncStatus(WORKFLOW_ID, { number: 'BILL-2026-0001' });
  return {
    now,
    user,
    csrf: 'csrf-token',
    workflowId: WORKFLOW_ID,
    tenantId: 'acme',
    recordType: 'bill',
    row: { ...status, currency: 'KES', amountMinor: 99_900, txnDate: '2026-03-01', drift: null, blockedSince: now, slaDueAt: null, createdAt: now, updatedAt: now, ...row },
    attempts: attempts.map((a, i) => ({
      id: i + 1,
      workflowId: WORKFLOW_ID,
      tenantId: 'acme',
      attemptNo: i + 1,
      activityAttempt: 1,
      requestId: `req-${i + 1}`,
      startedAt: now,
      finishedAt: now,
      httpStatus: 400,
      class: 'provider_rejection',
      code: null,
      message: null,
      detail: null,
      element: null,
      intuitTid: null,
      ...a,
    })),
    events: [],
    versions: [],
    audit: [],
    temporalUrl: 'http://localhost:8233',
    entityFor: KIND_ENTITY,
    pollUrl: null,
  };
}

describe('help beside a failure', () => {
  it('links a record blocked on its lines to the source-data article and the failed check to its own, not the passed ones', () => {
    const html = String(
      RecordView(
        recordProps({
          failureClass: 'source_data',
          owner: 'finance',
          readiness: [
            { id: 'eligible', label: 'Approved and eligible', ok: true, message: 'The bill is posted in AWRA.' },
            { id: 'lines_sum', label: 'Lines add up to the total', ok: false, message: 'The lines add up to KES 900.00 but the total says KES 999.00.' },
          ],
        }),
      ),
    );
    expect(helpLinks(html).sort()).toEqual(['amounts-and-lines', 'source-data']);
    expect(html).toMatch(/<p class="cause">Source data needs correction <a class="help-link" href="\/help\/source-data"[^>]*>What does this mean\?<\/a>/);
  });

  it("links a record QuickBooks rejected to its class article and each attempt's code to the code's article", () => {
    const html = String(
      RecordView(
        recordProps({ failureClass: 'provider_rejection', owner: 'finance' }, [
          { class: 'transient', httpStatus: 503, code: null, message: 'HTTP 503' },
          { class: 'provider_rejection', code: '6210', message: 'Account Period Closed' },
          { class: 'accepted', httpStatus: 200 },
        ]),
      ),
    );
    expect(helpLinks(html).sort()).toEqual(['closed-period', 'provider-rejection', 'transient']);
  });

  it('links a record changed in QuickBooks after its sync to the drift article', () => {
    const html = String(
      RecordView(
        recordProps({
          state: 'synced',
          failureClass: null,
          owner: null,
          externalRef: { entity: 'Bill', qboId: '145', syncToken: '1' },
          drift: { kind: 'voided', detectedAt: '2026-03-02T09:00:00Z', fields: [], changes: [] },
        }),
      ),
    );
    expect(helpLinks(html)).toEqual(['changed-in-quickbooks']);
  });

  it('links each action-queue group to the article for its cause', () => {
    const group = (over: Partial<QueueGroup>): QueueGroup => ({
      tenantId: 'acme',
      cause: 'class',
      refKind: null,
      refKey: null,
      code: null,
      failureClass: 'transient',
      key: 'k',
      headline: 'headline',
      title: 'title',
      sample: null,
      records: 1,
      breakdown: [],
      amounts: [],
      owners: ['finance'],
      oldestBlockedSince: null,
      nextSlaDueAt: null,
      preview: [],
      ...over,
    });
    const linkOf = (g: QueueGroup) => helpLinks(String(GroupCard({ group: g, now: new Date(), user, csrf: 'c', showTenant: false, entityFor: KIND_ENTITY })));
    expect(linkOf(group({ cause: 'check', code: 'open_period', failureClass: 'source_data' }))).toEqual(['closed-period']);
    expect(linkOf(group({ cause: 'class', code: '6240', failureClass: 'duplicate_risk' }))).toEqual(['duplicate-name']);
    expect(linkOf(group({ cause: 'mapping', refKind: 'item', refKey: 'itm-1', code: 'missing', failureClass: 'mapping' }))).toEqual(['mapping']);
  });
});
