/**
 * The client's wire format and transport-failure shapes, against a bare node:http server that records what it
 * receives and misbehaves on demand. Behaviour against a QBO-like server (replay, SyncToken, throttling) is in
 * client.sim.test.ts, against the simulator.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createQboClient,
  entityFrom,
  qboQueryLiteral,
  queryCount,
  queryRows,
  QboRequestError,
  type QboCallContext,
} from '../../qbo/client.ts';
import { qboAppUrl } from '../../qbo/app-links.ts';
import type { LimitKind, RealmLimiter } from '../../qbo/rate-limit.ts';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let handler: Handler;

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Handler => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', intuit_tid: '1-abc-def', ...headers });
  res.end(JSON.stringify(body));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  seen = [];
  handler = json(200, { Vendor: { Id: '1', SyncToken: '0', DisplayName: 'Acme' }, time: '2026-01-01T00:00:00Z' });
});

const ctx: QboCallContext = { realmId: '9130350000000001', accessToken: 'at-secret' };

describe('createQboClient — requests', () => {
  it('creates with POST /v3/company/{realm}/{entity}, the caller requestid, minorversion=75 and JSON headers', async () => {
    const client = createQboClient({ baseUrl: `${baseUrl}/`, userAgent: 'qbo-sync-health/test' });
    const resp = await client.create(ctx, 'Vendor', { DisplayName: 'Acme' }, { requestId: 'req-1' });

    expect(seen).toHaveLength(1);
    const r = seen[0]!;
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/v3/company/9130350000000001/vendor');
    expect(r.query.get('requestid')).toBe('req-1');
    expect(r.query.get('minorversion')).toBe('75');
    expect(r.query.has('include')).toBe(false);
    expect(r.headers.authorization).toBe('Bearer at-secret');
    expect(r.headers.accept).toBe('application/json');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['user-agent']).toBe('qbo-sync-health/test');
    expect(JSON.parse(r.body)).toEqual({ DisplayName: 'Acme' });

    expect(resp).toMatchObject({ status: 200, ok: true, requestSent: true, intuitTid: '1-abc-def', method: 'POST' });
    expect(resp.transportError).toBeUndefined();
    expect(resp.headers['intuit_tid']).toBe('1-abc-def');
    expect(resp.url).not.toContain('at-secret');
    expect(entityFrom(resp, 'Vendor')).toMatchObject({ Id: '1', SyncToken: '0' });
    expect(entityFrom(resp, 'Bill')).toBeUndefined();
  });

  it('uses lower-case entity paths and asks QBO to skip its DocNumber check only when told to', async () => {
    const client = createQboClient({ baseUrl });
    await client.create(ctx, 'PurchaseOrder', { VendorRef: { value: '1' } }, { requestId: 'po-1', allowDuplicateDocNum: true });
    await client.read(ctx, 'PaymentMethod', '7');
    await client.read(ctx, 'TaxCode', 'TAX');
    await client.read(ctx, 'Class', '5');
    expect(seen.map((s) => s.path)).toEqual([
      '/v3/company/9130350000000001/purchaseorder',
      '/v3/company/9130350000000001/paymentmethod/7',
      '/v3/company/9130350000000001/taxcode/TAX',
      '/v3/company/9130350000000001/class/5',
    ]);
    expect(seen[0]!.query.get('include')).toBe('allowduplicatedocnum');
    expect(seen[1]!.method).toBe('GET');
    expect(seen[1]!.query.get('minorversion')).toBe('75');
    expect(seen[1]!.query.has('requestid')).toBe(false);
    expect(seen[1]!.headers['content-type']).toBeUndefined();
  });

  it('sends a sparse update with sparse:true and the SyncToken as a string', async () => {
    const client = createQboClient({ baseUrl });
    await client.sparseUpdate(ctx, 'Vendor', { Id: '1', SyncToken: '0', Active: false }, { requestId: 'upd-1' });
    expect(seen[0]!.path).toBe('/v3/company/9130350000000001/vendor');
    expect(seen[0]!.query.get('requestid')).toBe('upd-1');
    expect(JSON.parse(seen[0]!.body)).toEqual({ Id: '1', SyncToken: '0', Active: false, sparse: true });
    await expect(
      client.sparseUpdate(ctx, 'Vendor', { Id: '1', SyncToken: 0 as unknown as string }, { requestId: 'u' }),
    ).rejects.toThrow(QboRequestError);
  });

  it('sends short queries as GET and long ones as POST application/text', async () => {
    handler = json(200, { QueryResponse: { Vendor: [{ Id: '1', SyncToken: '0' }], startPosition: 1, maxResults: 1 } });
    const client = createQboClient({ baseUrl });
    const short = await client.query(ctx, "select * from Vendor where DisplayName = 'Acme'");
    const longSql = `select * from Bill where DocNumber in (${Array.from({ length: 300 }, (_, i) => `'PO-${i}'`).join(',')})`;
    await client.query(ctx, longSql, { requestId: 'q-1' });

    expect(seen[0]!.method).toBe('GET');
    expect(seen[0]!.path).toBe('/v3/company/9130350000000001/query');
    expect(seen[0]!.query.get('query')).toBe("select * from Vendor where DisplayName = 'Acme'");
    expect(seen[1]!.method).toBe('POST');
    expect(seen[1]!.headers['content-type']).toBe('application/text');
    expect(seen[1]!.body).toBe(longSql);
    expect(seen[1]!.query.get('requestid')).toBe('q-1');
    expect(queryRows(short, 'Vendor')).toEqual([{ Id: '1', SyncToken: '0' }]);
    expect(queryRows(short, 'Bill')).toEqual([]);
  });

  it('reads counts and empty query results the way QBO shapes them', async () => {
    const client = createQboClient({ baseUrl });
    handler = json(200, { QueryResponse: {}, time: 't' });
    expect(queryRows(await client.query(ctx, 'select * from Bill'), 'Bill')).toEqual([]);
    handler = json(200, { QueryResponse: { totalCount: 3 }, time: 't' });
    expect(queryCount(await client.query(ctx, 'select count(*) from Bill'))).toBe(3);
  });

  it('posts a batch of up to 30 items through the batch budget', async () => {
    const kinds: LimitKind[] = [];
    const limiter: RealmLimiter = {
      run: (_realm, kind, fn) => {
        kinds.push(kind);
        return fn();
      },
      noteThrottled: () => {},
      snapshot: () => undefined,
      realmCount: () => 0,
    };
    handler = json(200, { BatchItemResponse: [{ bId: 'b1', Vendor: { Id: '1' } }, { bId: 'b2', Fault: { Error: [{ code: '6240' }] } }] });
    const client = createQboClient({ baseUrl, limiter });
    const resp = await client.batch(
      ctx,
      [
        { bId: 'b1', operation: 'create', Vendor: { DisplayName: 'A' } },
        { bId: 'b2', operation: 'create', Vendor: { DisplayName: 'B' } },
        { bId: 'q1', Query: 'select * from Vendor' },
      ],
      { requestId: 'batch-1' },
    );
    expect(seen[0]!.path).toBe('/v3/company/9130350000000001/batch');
    expect(JSON.parse(seen[0]!.body).BatchItemRequest).toHaveLength(3);
    expect(kinds).toEqual(['batch']);
    // Item faults live inside a 200; the envelope itself is fine.
    expect(resp.ok).toBe(true);
    await client.read(ctx, 'Vendor', '1');
    expect(kinds).toEqual(['batch', 'api']);
  });

  it('refuses batches QBO would refuse, before sending anything', async () => {
    const client = createQboClient({ baseUrl });
    const item = (i: number) => ({ bId: `b${i}`, operation: 'create' as const, Vendor: { DisplayName: `V${i}` } });
    const reject = (p: Promise<unknown>, msg: RegExp) => expect(p).rejects.toThrow(msg);
    await reject(client.batch(ctx, [], { requestId: 'r' }), /at least one/);
    await reject(client.batch(ctx, Array.from({ length: 31 }, (_, i) => item(i)), { requestId: 'r' }), /at most 30/);
    await reject(client.batch(ctx, [item(1), item(1)], { requestId: 'r' }), /duplicate bId/);
    await reject(client.batch(ctx, [{ ...item(1), bId: 'b-12345678901' }], { requestId: 'r' }), /bId of 1-10/);
    await reject(client.batch(ctx, [item(1)], { requestId: 'x'.repeat(37) }), /at most 36/);
    await reject(client.batch(ctx, [{ bId: 'b1', Vendor: {} }], { requestId: 'r' }), /needs an operation/);
    await reject(client.batch(ctx, [{ bId: 'b1', operation: 'create' }], { requestId: 'r' }), /exactly one/);
    expect(seen).toHaveLength(0);
    await client.batch(ctx, Array.from({ length: 30 }, (_, i) => item(i)), { requestId: 'x'.repeat(36) });
    expect(seen).toHaveLength(1);
  });

  it('requires a caller-supplied requestid of at most 50 characters on every write', async () => {
    const client = createQboClient({ baseUrl });
    await expect(client.create(ctx, 'Vendor', {}, { requestId: '' })).rejects.toThrow(QboRequestError);
    await expect(client.create(ctx, 'Vendor', {}, { requestId: 'x'.repeat(51) })).rejects.toThrow(/at most 50/);
    await expect(client.create(ctx, 'Vendor', {}, { requestId: 'has space' })).rejects.toThrow(QboRequestError);
    await expect(client.create(ctx, 'Vendor', {}, undefined as never)).rejects.toThrow(/requestId is required/);
    await expect(client.read({ realmId: '', accessToken: 'x' }, 'Vendor', '1')).rejects.toThrow(/realmId/);
    expect(seen).toHaveLength(0);
    await client.create(ctx, 'Vendor', {}, { requestId: 'x'.repeat(50) });
    expect(seen).toHaveLength(1);
  });

  it('builds cdc, preferences and companyinfo requests', async () => {
    const client = createQboClient({ baseUrl, minorVersion: 75 });
    await client.cdc(ctx, ['Vendor', 'Bill'], new Date('2026-01-02T03:04:05.000Z'));
    await client.preferences(ctx);
    await client.companyInfo(ctx);
    expect(seen[0]!.path).toBe('/v3/company/9130350000000001/cdc');
    expect(seen[0]!.query.get('entities')).toBe('Vendor,Bill');
    expect(seen[0]!.query.get('changedSince')).toBe('2026-01-02T03:04:05.000Z');
    expect(seen[1]!.path).toBe('/v3/company/9130350000000001/preferences');
    expect(seen[2]!.path).toBe('/v3/company/9130350000000001/companyinfo/9130350000000001');
    expect(seen.every((s) => s.query.get('minorversion') === '75')).toBe(true);
    await expect(client.cdc(ctx, [], new Date())).rejects.toThrow(QboRequestError);
    await expect(client.cdc(ctx, ['Bill'], 'yesterday')).rejects.toThrow(QboRequestError);
  });
});

describe('createQboClient — responses', () => {
  it('marks a 200 carrying a Fault as not ok, and keeps the body for classification', async () => {
    handler = json(200, { Fault: { Error: [{ Message: 'm', Detail: 'd', code: '10000' }], type: 'SystemFault' } });
    const resp = await createQboClient({ baseUrl }).read(ctx, 'Bill', '1');
    expect(resp).toMatchObject({ status: 200, ok: false, requestSent: true });
    expect(resp.body).toMatchObject({ Fault: { Error: [{ code: '10000' }] } });
    expect(entityFrom(resp, 'Bill')).toBeUndefined();
  });

  it('keeps the gateway lower-case fault of a 401', async () => {
    const body = { fault: { error: [{ message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401', code: '3200' }], type: 'AUTHENTICATION' } };
    handler = json(401, body);
    const resp = await createQboClient({ baseUrl }).read(ctx, 'Bill', '1');
    expect(resp).toMatchObject({ status: 401, ok: false, body });
  });

  it('returns the XML throttle fault as text and tells the limiter the realm is throttled', async () => {
    const xml = `<IntuitResponse xmlns="http://schema.intuit.com/finance/v3"><Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message></Error></Fault></IntuitResponse>`;
    handler = (_req, res) => {
      res.writeHead(429, { 'content-type': 'application/xml', intuit_tid: 'tid-429' });
      res.end(xml);
    };
    const throttled: string[] = [];
    const limiter: RealmLimiter = {
      run: (_r, _k, fn) => fn(),
      noteThrottled: (realm) => throttled.push(realm),
      snapshot: () => undefined,
      realmCount: () => 0,
    };
    const resp = await createQboClient({ baseUrl, limiter }).read(ctx, 'Bill', '1');
    expect(resp).toMatchObject({ status: 429, ok: false, body: xml, rawText: xml, intuitTid: 'tid-429' });
    expect(throttled).toEqual([ctx.realmId]);
  });

  it('reports a refused connection as status 0 with requestSent false', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const resp = await createQboClient({ baseUrl: `http://127.0.0.1:${port}` }).create(ctx, 'Vendor', {}, { requestId: 'r1' });
    expect(resp).toMatchObject({ status: 0, ok: false, requestSent: false, body: null });
    expect(resp.transportError).toMatch(/^ECONNREFUSED/);
  });

  it('reports a connection dropped after the request arrived as status 0 with requestSent true', async () => {
    handler = (req) => req.socket.destroy();
    const resp = await createQboClient({ baseUrl }).create(ctx, 'Vendor', {}, { requestId: 'r1' });
    expect(seen).toHaveLength(1);
    expect(resp).toMatchObject({ status: 0, ok: false, requestSent: true });
    expect(resp.transportError).toMatch(/^(UND_ERR_SOCKET|ECONNRESET)/);
  });

  it('reports a timeout as status 0 with requestSent true', async () => {
    handler = () => {}; // never answers
    const resp = await createQboClient({ baseUrl, timeoutMs: 100 }).create(ctx, 'Vendor', {}, { requestId: 'r1' });
    expect(resp).toMatchObject({ status: 0, ok: false, requestSent: true });
    expect(resp.transportError).toMatch(/^TIMEOUT/);
  });

  it('reports a body cut off after the headers as a transport error, keeping the intuit_tid', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500', intuit_tid: 'tid-cut' });
      res.write('{"Vendor":{"Id":');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const resp = await createQboClient({ baseUrl }).create(ctx, 'Vendor', {}, { requestId: 'r1' });
    expect(resp).toMatchObject({ status: 0, ok: false, requestSent: true, intuitTid: 'tid-cut' });
    expect(resp.transportError).toContain('after HTTP 200 headers');
  });

  it("rethrows the caller's abort instead of dressing it up as a provider outcome", async () => {
    handler = () => {};
    const ac = new AbortController();
    const p = createQboClient({ baseUrl }).read({ ...ctx, signal: ac.signal }, 'Bill', '1');
    setTimeout(() => ac.abort(new Error('activity cancelled')), 30);
    await expect(p).rejects.toThrow('activity cancelled');
  });

  it('uses an injected fetch', async () => {
    const calls: string[] = [];
    const fakeFetch: typeof fetch = async (input) => {
      calls.push(String(input));
      return new Response('{"QueryResponse":{}}', { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const resp = await createQboClient({ baseUrl: 'https://sandbox-quickbooks.api.intuit.com', fetch: fakeFetch }).query(ctx, 'select * from Vendor');
    expect(calls[0]).toMatch(/^https:\/\/sandbox-quickbooks\.api\.intuit\.com\/v3\/company\/9130350000000001\/query\?query=select/);
    expect(resp.ok).toBe(true);
  });
});

describe('helpers', () => {
  it('deep-links into the QBO web app per environment', () => {
    expect(qboAppUrl('sandbox', 'Bill', '123')).toBe('https://sandbox.qbo.intuit.com/app/bill?txnId=123');
    expect(qboAppUrl('production', 'Invoice', '9')).toBe('https://qbo.intuit.com/app/invoice?txnId=9');
    expect(qboAppUrl('production', 'PurchaseOrder', '9')).toBe('https://qbo.intuit.com/app/purchaseorder?txnId=9');
    expect(qboAppUrl('production', 'Payment', '9')).toBe('https://qbo.intuit.com/app/recvpayment?txnId=9');
    expect(qboAppUrl('sandbox', 'Vendor', '56')).toBe('https://sandbox.qbo.intuit.com/app/vendordetail?nameId=56');
    expect(qboAppUrl('sandbox', 'Customer', '5')).toBe('https://sandbox.qbo.intuit.com/app/customerdetail?nameId=5');
    expect(qboAppUrl('sandbox', 'Item', '5')).toBe('https://sandbox.qbo.intuit.com/app/items');
    expect(qboAppUrl('sandbox', 'Bill', '1', 'http://127.0.0.1:4010/_sim/app')).toBe('http://127.0.0.1:4010/_sim/app/bill?txnId=1');
  });

  it('quotes query literals so a name cannot end the string', () => {
    expect(qboQueryLiteral("Amy's Bird Sanctuary")).toBe("'Amy\\'s Bird Sanctuary'");
    expect(qboQueryLiteral('a\\')).toBe("'a\\\\'");
  });
});
