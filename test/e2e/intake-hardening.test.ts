import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { count } from 'drizzle-orm';
import { sourceRecords } from '../../db/schema.ts';
import { awra } from '../fixtures/awra.ts';
import type { Harness } from '../support/harness.ts';
import { harnessWithTenant } from '../support/setups.ts';

let h: Harness;

beforeAll(async () => {
  h = await harnessWithTenant('fuzz', 'Fuzz Ltd');
});
afterAll(() => h?.close());

const stored = async () => ((await h.db.db.select({ n: count() }).from(sourceRecords)) as [{ n: number }])[0].n;

describe('bulk intake', () => {
  it('takes up to 500 records with a result per item, storing the good ones and nothing of the bad ones', async () => {
    const before = await stored();
    const good = awra.vendor('fuzz', 'ven-ok', 'Good Vendor Ltd');
    const bad = { ...awra.vendor('fuzz', 'ven-bad', 'Bad Vendor Ltd'), data: { displayName: '', currency: 'kes', active: 'yes' } };
    const otherTenant = awra.vendor('nobody', 'ven-x', 'Nobody Ltd');
    const res = await h.api('POST', '/api/v1/records:batch', { records: [good, bad, otherTenant] });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ accepted: 1, rejected: 2 });
    expect(res.json.results[0]).toMatchObject({ index: 0, ok: true, workflowId: 'qbo-sync:fuzz:vendor:ven-ok', outcome: 'accepted' });
    expect(res.json.results[1]).toMatchObject({ index: 1, ok: false, error: { code: 'invalid_record' } });
    expect(Object.keys(res.json.results[1].error.fields)).toEqual(expect.arrayContaining(['data.displayName', 'data.currency', 'data.active']));
    expect(res.json.results[2]).toMatchObject({ index: 2, ok: false, error: { code: 'unknown_tenant' } });
    expect(await stored()).toBe(before + 1);
  });

  it('refuses an empty or oversized batch whole', async () => {
    expect((await h.api('POST', '/api/v1/records:batch', { records: [] })).status).toBe(400);
    const many = Array.from({ length: 501 }, (_, i) => awra.vendor('fuzz', `v-${i}`, `V ${i}`));
    const res = await h.api('POST', '/api/v1/records:batch', { records: many });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('501');
  });

  it('reports an out-of-order older version and keeps the newest one current', async () => {
    await h.api('POST', '/api/v1/records', awra.vendor('fuzz', 'ven-order', 'Order Ltd', 3));
    const older = await h.api('POST', '/api/v1/records', awra.vendor('fuzz', 'ven-order', 'Order Ltd (old)', 2));
    expect(older.status).toBe(202);
    expect(older.json).toMatchObject({ outcome: 'older_version', latestVersion: 3 });
  });
});

/** Things AWRA (or an attacker) might send instead of a record. */
const hostileValue = fc.oneof(
  fc.string(),
  fc.constantFrom('<script>alert(1)</script>', "'; drop table source_records; --", '\u0000', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '../../etc/passwd', '{{7*7}}', '%00'),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0, 1e308, Number.NaN),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.anything(), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.anything(), { maxKeys: 5 }),
);

/** Near-valid records with one field broken, so validation is exercised deep inside `data`. */
const mutatedRecord = fc
  .tuple(
    fc.constantFrom(
      awra.vendor('fuzz', 'v1', 'Vendor'),
      awra.bill('fuzz', 'b1', 'BILL-1', 'v1'),
      awra.invoice('fuzz', 'i1', 'INV-1', 'c1', 'it1'),
      awra.payment('fuzz', 'p1', 'RCPT-1', 'c1', 'i1'),
      awra.purchaseOrder('fuzz', 'po1', 'PO-1', 'v1', 'it1'),
    ),
    fc.constantFrom('tenantId', 'recordType', 'sourceId', 'number', 'status', 'version', 'data', 'data.currency', 'data.total', 'data.lines', 'data.txnDate', 'extra'),
    hostileValue,
  )
  .map(([record, path, value]) => {
    const copy = structuredClone(record) as Record<string, any>;
    const [head, tail] = path.split('.');
    if (tail) copy[head!] = { ...copy[head!], [tail]: value };
    else copy[head!] = value;
    return copy;
  });

describe('intake under malformed and hostile payloads (property-based, fixed seed)', () => {
  it('never answers 5xx and stores nothing for a rejected record', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedRecord, hostileValue), async (payload) => {
        const before = await stored();
        const res = await h.app.request('/api/v1/records', {
          method: 'POST',
          headers: { authorization: `Bearer ${h.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(payload) ?? 'null',
        });
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) {
          const body = (await res.json()) as { error: { code: string; message: string } };
          expect(body.error.code).toBeTruthy();
          expect(await stored()).toBe(before);
        }
      }),
      { seed: 20261129, numRuns: 1500 },
    );
  });

  it('answers raw garbage bodies with a clear 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (raw) => {
        const res = await h.app.request('/api/v1/records', {
          method: 'POST',
          headers: { authorization: `Bearer ${h.apiKey}`, 'content-type': 'application/json' },
          body: raw,
        });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});
