import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../simulator/index.ts';
import { simClient } from '../../simulator/testing.ts';

const quiet = { info: () => undefined, warn: () => undefined };
const VERIFIER = 'verifier-token-from-the-developer-portal';

interface Captured {
  url: string;
  body: string;
  signature: string;
}

function capturingFetch(captured: Captured[], status = 200): typeof fetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    captured.push({ url: String(input), body: String(init?.body), signature: headers.get('intuit-signature') ?? '' });
    return new Response(null, { status });
  };
}

/** What a receiving app does (reference §6.2): HMAC the raw body with the verifier token, compare in constant time. */
function verify(body: string, signature: string, token: string): boolean {
  const expected = createHmac('sha256', token).update(body).digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('QBO simulator webhooks', () => {
  it('posts a legacy eventNotifications body whose intuit-signature verifies with the verifier token', async () => {
    const captured: Captured[] = [];
    const sim = createSimulator({
      logger: quiet,
      webhookUrl: 'https://hooks.example.com/qbo',
      webhookVerifierToken: VERIFIER,
      webhookFetch: capturingFetch(captured),
    });
    const qbo = simClient(sim, sim.createCompany());
    const vendor = (await qbo.post('/vendor', { DisplayName: 'Hooked' })).json.Vendor;
    await sim.webhooksIdle();

    expect(captured).toHaveLength(1);
    const [delivery] = captured;
    expect(delivery!.url).toBe('https://hooks.example.com/qbo');
    expect(verify(delivery!.body, delivery!.signature, VERIFIER)).toBe(true);
    expect(verify(delivery!.body, delivery!.signature, 'some other token')).toBe(false);
    expect(JSON.parse(delivery!.body)).toEqual({
      eventNotifications: [
        {
          realmId: qbo.realmId,
          dataChangeEvent: {
            entities: [{ name: 'Vendor', id: vendor.Id, operation: 'Create', lastUpdated: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}$/) }],
          },
        },
      ],
    });
  });

  it('sends the changes of one batch request together and reports updates and deletes', async () => {
    const captured: Captured[] = [];
    const sim = createSimulator({ logger: quiet, webhookFetch: capturingFetch(captured) });
    sim.setWebhook({ url: 'https://hooks.example.com/qbo', verifierToken: VERIFIER });
    const qbo = simClient(sim, sim.createCompany());
    const vendor = (await qbo.post('/vendor', { DisplayName: 'Batchy' })).json.Vendor;
    await sim.webhooksIdle();
    await qbo.post('/batch', {
      BatchItemRequest: [
        { bId: '1', operation: 'update', Vendor: { Id: vendor.Id, SyncToken: '0', sparse: true, AcctNum: '1' } },
        { bId: '2', operation: 'create', Customer: { DisplayName: 'Batch Buyer' } },
      ],
    });
    await sim.webhooksIdle();
    const entities = JSON.parse(captured[1]!.body).eventNotifications[0].dataChangeEvent.entities;
    expect(entities.map((e: { name: string; operation: string }) => `${e.name}:${e.operation}`)).toEqual(['Vendor:Update', 'Customer:Create']);
  });

  it('can send CloudEvents instead of the legacy shape', async () => {
    const captured: Captured[] = [];
    const sim = createSimulator({ logger: quiet, webhookFormat: 'cloudevents', webhookFetch: capturingFetch(captured), webhookUrl: 'https://h.example.com', webhookVerifierToken: VERIFIER });
    const qbo = simClient(sim, sim.createCompany());
    await qbo.post('/customer', { DisplayName: 'Cloudy' });
    await sim.webhooksIdle();
    expect(JSON.parse(captured[0]!.body)[0]).toMatchObject({ specversion: '1.0', type: 'qbo.customer.created.v1', intuitaccountid: qbo.realmId });
  });

  it('never fails or delays the API call when delivery fails, and records the failure', async () => {
    const sim = createSimulator({
      logger: quiet,
      webhookUrl: 'https://down.example.com',
      webhookVerifierToken: VERIFIER,
      webhookFetch: () => Promise.reject(new Error('connect ECONNREFUSED')),
    });
    const qbo = simClient(sim, sim.createCompany());
    expect((await qbo.post('/vendor', { DisplayName: 'Still Created' })).status).toBe(200);
    await sim.webhooksIdle();
    expect(sim.webhookDeliveries()[0]).toMatchObject({ error: 'connect ECONNREFUSED' });
  });

  it('does not notify about the seeded chart of accounts of a new company', async () => {
    const captured: Captured[] = [];
    const sim = createSimulator({ logger: quiet, webhookUrl: 'https://h.example.com', webhookVerifierToken: VERIFIER, webhookFetch: capturingFetch(captured) });
    sim.createCompany();
    await sim.webhooksIdle();
    expect(captured).toHaveLength(0);
  });
});
