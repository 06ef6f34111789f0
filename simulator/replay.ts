import { createHash } from 'node:crypto';
import type { SimState, StoredResponse } from './store.ts';

/**
 * `requestid` replay (reference §1.4, B-RID): the first response to (realmId, requestid) is stored and a repeat gets
 * the same status and body without the work being done again, also when the first response never reached the client.
 * A repeat that arrives while the first is still running waits for it rather than racing it.
 */

export const MAX_REQUEST_ID_LENGTH = 50;

/** Identifies "the same request" for the body-mismatch option: method, path and the JSON body ignoring key order. */
export function fingerprint(method: string, path: string, body: string): string {
  let canonical = body;
  try {
    canonical = JSON.stringify(sortKeys(JSON.parse(body)));
  } catch {
    canonical = body.trim();
  }
  return createHash('sha256').update(`${method.toUpperCase()} ${path}\n${canonical}`).digest('hex');
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}

export class ReplayCache {
  private inflight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly state: () => SimState,
    private readonly changed: () => void,
  ) {}

  private key(realmId: string, requestId: string): string {
    return `${realmId}:${requestId}`;
  }

  get(realmId: string, requestId: string): StoredResponse | undefined {
    return this.state().replay[this.key(realmId, requestId)];
  }

  /** Runs `work` unless a request with this id is already running, in which case it waits for that one first. */
  async exclusive<T>(realmId: string, requestId: string, work: () => Promise<T>): Promise<T> {
    const key = this.key(realmId, requestId);
    while (this.inflight.has(key)) await this.inflight.get(key)!.catch(() => undefined);
    const run = work();
    this.inflight.set(key, run);
    try {
      return await run;
    } finally {
      if (this.inflight.get(key) === run) this.inflight.delete(key);
    }
  }

  /** Drops the stored responses of one realm (its company was deleted). */
  forgetRealm(realmId: string): void {
    const replay = this.state().replay;
    for (const key of Object.keys(replay)) if (key.startsWith(`${realmId}:`)) delete replay[key];
    this.changed();
  }

  store(realmId: string, requestId: string, response: StoredResponse): void {
    this.state().replay[this.key(realmId, requestId)] = response;
    this.changed();
  }
}
