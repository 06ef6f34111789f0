import { createHmac, randomUUID } from 'node:crypto';
import type { ChangeEvent } from './engine.ts';
import { webhookDateTime } from './time.ts';
import type { SimulatorLogger, WebhookDelivery } from './types.ts';

/**
 * Webhook notifications (reference §6.2): changes made while one request is handled are sent together, per realm,
 * signed with `intuit-signature` = base64(HMAC-SHA256(verifier token, raw body)). Delivery is fire-and-forget: it
 * never delays or fails the API response, and a failed delivery is logged and recorded, not retried.
 */

export interface WebhookConfig {
  url: string;
  verifierToken: string;
}

export interface WebhookDeps {
  config: () => WebhookConfig | undefined;
  format: 'legacy' | 'cloudevents';
  fetch: typeof fetch;
  logger: SimulatorLogger;
  utcOffsetMinutes: number;
}

const PAST_TENSE: Record<ChangeEvent['operation'], string> = { Create: 'created', Update: 'updated', Delete: 'deleted', Void: 'voided' };
const MAX_LOG = 200;

export function signWebhook(body: string, verifierToken: string): string {
  return createHmac('sha256', verifierToken).update(body).digest('base64');
}

export class WebhookNotifier {
  private pending = new Map<string, ChangeEvent[]>();
  private scheduled: NodeJS.Immediate | undefined;
  private inflight = new Set<Promise<void>>();
  readonly deliveries: WebhookDelivery[] = [];

  constructor(private readonly deps: WebhookDeps) {}

  enqueue(event: ChangeEvent): void {
    if (!this.deps.config()) return;
    const list = this.pending.get(event.realmId) ?? [];
    list.push(event);
    this.pending.set(event.realmId, list);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  private body(realmId: string, events: ChangeEvent[]): string {
    if (this.deps.format === 'cloudevents') {
      return JSON.stringify(
        events.map((e) => ({
          specversion: '1.0',
          id: randomUUID(),
          source: 'intuit.qbo-simulator',
          type: `qbo.${e.entity.toLowerCase()}.${PAST_TENSE[e.operation]}.v1`,
          datacontenttype: 'application/json',
          time: new Date(e.at).toISOString(),
          intuitentityid: e.id,
          intuitaccountid: realmId,
          data: {},
        })),
      );
    }
    return JSON.stringify({
      eventNotifications: [
        {
          realmId,
          dataChangeEvent: {
            entities: events.map((e) => ({
              name: e.entity,
              id: e.id,
              operation: e.operation,
              lastUpdated: webhookDateTime(e.at, this.deps.utcOffsetMinutes),
            })),
          },
        },
      ],
    });
  }

  private flush(): void {
    this.scheduled = undefined;
    const config = this.deps.config();
    const batches = [...this.pending.entries()];
    this.pending.clear();
    if (!config) return;
    for (const [realmId, events] of batches) {
      const body = this.body(realmId, events);
      const delivery: WebhookDelivery = { url: config.url, body, signature: signWebhook(body, config.verifierToken) };
      this.deliveries.push(delivery);
      if (this.deliveries.length > MAX_LOG) this.deliveries.shift();
      const send = this.deps
        .fetch(config.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'intuit-signature': delivery.signature },
          body,
        })
        .then(
          (res) => {
            delivery.status = res.status;
            if (!res.ok) this.deps.logger.warn({ realmId, url: config.url, status: res.status }, 'webhook delivery rejected');
          },
          (err: unknown) => {
            delivery.error = err instanceof Error ? err.message : String(err);
            this.deps.logger.warn({ realmId, url: config.url, err: delivery.error }, 'webhook delivery failed');
          },
        );
      this.inflight.add(send);
      void send.finally(() => this.inflight.delete(send));
    }
  }

  /** Resolves once everything queued so far has been attempted; for tests and shutdown. */
  async idle(): Promise<void> {
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.flush();
    }
    await Promise.all([...this.inflight]);
  }

  reset(): void {
    this.pending.clear();
    this.deliveries.length = 0;
  }
}
