import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSimulator, SimulatedNetworkError, startSimulator, type Simulator, type StartedSimulator } from '../../simulator/index.ts';
import { simClient, toSimResponse, type SimClient } from '../../simulator/testing.ts';
import { oneLineInvoice } from '../support/sim-invoice.ts';

const quiet = { info: () => undefined, warn: () => undefined };

let sim: Simulator;
let qbo: SimClient;

beforeEach(() => {
  sim = createSimulator({ logger: quiet });
  qbo = simClient(sim, sim.createCompany());
});

const vendors = (name: string) => sim.ledger({ realmId: qbo.realmId, entity: 'Vendor', displayName: name });

describe('QBO simulator requestid replay', () => {
  it('returns the stored response for a repeated requestid without creating a second entity', async () => {
    const first = await qbo.post('/vendor?requestid=abc123&minorversion=75', { DisplayName: 'Once Only' });
    const second = await qbo.post('/vendor?requestid=abc123&minorversion=75', { DisplayName: 'Once Only' });
    expect(second.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(second.headers.get('intuit_tid')).not.toBe(first.headers.get('intuit_tid'));
    expect(vendors('Once Only')).toHaveLength(1);
    expect(sim.stats(qbo.realmId).replays).toBe(1);
  });

  it('scopes request ids to the realm', async () => {
    const other = simClient(sim, sim.createCompany());
    await qbo.post('/vendor?requestid=same', { DisplayName: 'Realm A' });
    const res = await other.post('/vendor?requestid=same', { DisplayName: 'Realm B' });
    expect(res.json.Vendor.DisplayName).toBe('Realm B');
  });

  it('replays a validation fault too, so a retry after a lost answer sees the same outcome', async () => {
    await qbo.post('/vendor', { DisplayName: 'Taken' });
    const first = await qbo.post('/customer?requestid=dup-1', { DisplayName: 'Taken' });
    expect(first.json.Fault.Error[0].code).toBe('6240');
    const again = await qbo.post('/customer?requestid=dup-1', { DisplayName: 'Taken' });
    expect(again.text).toBe(first.text);
  });

  it('commits the write before dropping the connection on drop_after_commit, and the retry replays it', async () => {
    sim.injectFault({ kind: 'drop_after_commit', path: '/vendor', count: 1 });
    await expect(qbo.post('/vendor?requestid=lost-1', { DisplayName: 'Lost Answer' })).rejects.toBeInstanceOf(SimulatedNetworkError);
    expect(vendors('Lost Answer')).toHaveLength(1);
    const retry = await qbo.post('/vendor?requestid=lost-1', { DisplayName: 'Lost Answer' });
    expect(retry.status).toBe(200);
    expect(retry.json.Vendor.Id).toBe(vendors('Lost Answer')[0]!.Id);
    expect(vendors('Lost Answer')).toHaveLength(1);
  });

  it('does nothing on drop_before_commit, so the retry creates the entity once', async () => {
    sim.injectFault({ kind: 'drop_before_commit', path: 'vendor', count: 1 });
    await expect(qbo.post('/vendor?requestid=early-1', { DisplayName: 'Never Arrived' })).rejects.toBeInstanceOf(SimulatedNetworkError);
    expect(vendors('Never Arrived')).toHaveLength(0);
    expect((await qbo.post('/vendor?requestid=early-1', { DisplayName: 'Never Arrived' })).status).toBe(200);
    expect(vendors('Never Arrived')).toHaveLength(1);
  });

  it('creates a duplicate when a lost write is retried without a requestid, as QBO would', async () => {
    sim.injectFault({ kind: 'drop_after_commit', path: '/vendor', count: 1 });
    await expect(qbo.post('/vendor', { DisplayName: 'No Id' })).rejects.toThrow();
    const retry = await qbo.post('/vendor', { DisplayName: 'No Id' });
    expect(retry.json.Fault.Error[0].code).toBe('6240');
  });

  it('replays the original answer for a different body by default and refuses it when configured to', async () => {
    await qbo.post('/vendor?requestid=r-9', { DisplayName: 'First Body' });
    const replayed = await qbo.post('/vendor?requestid=r-9', { DisplayName: 'Second Body' });
    expect(replayed.json.Vendor.DisplayName).toBe('First Body');

    const strict = createSimulator({ logger: quiet, requestIdBodyMismatch: 'error' });
    const client = simClient(strict, strict.createCompany());
    await client.post('/vendor?requestid=r-9', { DisplayName: 'First Body' });
    const refused = await client.post('/vendor?requestid=r-9', { DisplayName: 'Second Body' });
    expect(refused.status).toBe(400);
    expect(refused.json.Fault.Error[0].code).toBe('600');
    const sameBodyOtherKeyOrder = await client.call('POST', '/vendor?requestid=r-9', '{ "DisplayName" : "First Body" }');
    expect(sameBodyOtherKeyOrder.status).toBe(200);
  });

  it('refuses a requestid longer than 50 characters', async () => {
    const res = await qbo.post(`/vendor?requestid=${'x'.repeat(51)}`, { DisplayName: 'Long Id' });
    expect(res.status).toBe(400);
    expect(res.json.Fault.Error[0]).toMatchObject({ code: '2050', element: 'requestid' });
    expect(vendors('Long Id')).toHaveLength(0);
  });

  it('lets a repeat that arrives while the first is still running wait for it instead of racing it', async () => {
    sim.injectFault({ kind: 'latency', latencyMs: 30, path: '/vendor', count: 1 });
    const [a, b] = await Promise.all([
      qbo.post('/vendor?requestid=race-1', { DisplayName: 'Raced' }),
      qbo.post('/vendor?requestid=race-1', { DisplayName: 'Raced' }),
    ]);
    expect(a.text).toBe(b.text);
    expect(vendors('Raced')).toHaveLength(1);
  });
});

describe('QBO simulator connection faults over a real socket', () => {
  let server: StartedSimulator;

  beforeEach(async () => {
    server = await startSimulator({ port: 0, options: { logger: quiet } });
  });
  afterEach(async () => {
    await server.close();
  });

  async function post(path: string, token: string, body: unknown): Promise<Response> {
    return fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
  }

  it('resets the connection after committing on drop_after_commit, and the same requestid then returns the entity', async () => {
    const company = server.sim.createCompany();
    server.sim.injectFault({ kind: 'drop_after_commit', path: '/invoice', count: 1, realmId: company.realmId });
    const customer = await toSimResponse(await post(`/v3/company/${company.realmId}/customer`, company.accessToken, { DisplayName: 'Socket Buyer' }));
    const body = oneLineInvoice(customer.json.Customer.Id, { docNumber: 'SOCK-1' });
    const path = `/v3/company/${company.realmId}/invoice?requestid=sock-1&minorversion=75`;
    await expect(post(path, company.accessToken, body)).rejects.toThrow(TypeError);
    const retry = await toSimResponse(await post(path, company.accessToken, body));
    expect(retry.status).toBe(200);
    expect(retry.json.Invoice.DocNumber).toBe('SOCK-1');
    expect(server.sim.ledger({ realmId: company.realmId, entity: 'Invoice', docNumber: 'SOCK-1' })).toHaveLength(1);
  });

  it('holds the request and then cuts the connection on a timeout fault', async () => {
    const company = server.sim.createCompany();
    server.sim.injectFault({ kind: 'timeout', latencyMs: 20, count: 1 });
    await expect(post(`/v3/company/${company.realmId}/vendor`, company.accessToken, { DisplayName: 'Slow' })).rejects.toThrow(TypeError);
    expect(server.sim.ledger({ realmId: company.realmId, entity: 'Vendor', displayName: 'Slow' })).toHaveLength(0);
  });

  it('answers an injected 503 with a gateway page and an injected 500 with a SystemFault', async () => {
    const company = server.sim.createCompany();
    server.sim.injectFault({ kind: 'http5xx', status: 503, count: 1 });
    server.sim.injectFault({ kind: 'http5xx', status: 500, count: 1 });
    const unavailable = await post(`/v3/company/${company.realmId}/vendor`, company.accessToken, { DisplayName: 'X' });
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('content-type')).toContain('text/html');
    const failed = await toSimResponse(await post(`/v3/company/${company.realmId}/vendor`, company.accessToken, { DisplayName: 'X' }));
    expect(failed.status).toBe(500);
    expect(failed.json.Fault).toMatchObject({ type: 'SystemFault', Error: [{ code: '10000' }] });
    expect(failed.headers.get('intuit_tid')).toBeTruthy();
  });
});
