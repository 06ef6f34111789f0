import { randomUUID } from 'node:crypto';
import { FAULT_KINDS, type FaultKind, type FaultSpec } from './types.ts';

/**
 * Fault injection: the network and gateway misbehaviours a sync tool must survive (latency, 5xx, timeouts, lost
 * responses before or after the write, throttling, expired tokens, intermittent invalid_grant). Faults match in the
 * order they were added; `count` limits a fault to the next N matching requests and `ratio` to a share of them.
 */

export interface ActiveFault extends FaultSpec {
  id: string;
  hits: number;
}

/** Which requests a kind can apply to: the data API, or Intuit's token endpoint. */
const API_ONLY: FaultKind[] = ['token_expired'];
const TOKEN_ONLY: FaultKind[] = ['invalid_grant'];

export interface FaultTarget {
  realmId?: string;
  method: string;
  /** Path plus query string. */
  target: string;
  surface: 'api' | 'token';
}

export class FaultRegistry {
  private faults: ActiveFault[] = [];

  constructor(private readonly random: () => number) {}

  add(spec: FaultSpec): { id: string } {
    if (!FAULT_KINDS.includes(spec.kind)) throw new Error(`unknown fault kind ${String(spec.kind)}`);
    if (spec.ratio !== undefined && (spec.ratio < 0 || spec.ratio > 1)) throw new Error('ratio must be between 0 and 1');
    if (spec.count !== undefined && (!Number.isInteger(spec.count) || spec.count < 1)) throw new Error('count must be a positive integer');
    const fault: ActiveFault = { ...spec, id: randomUUID(), hits: 0 };
    this.faults.push(fault);
    return { id: fault.id };
  }

  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length < before;
  }

  /** Clears all faults, or only those scoped to one realm. Returns how many were removed. */
  clear(realmId?: string): number {
    const before = this.faults.length;
    this.faults = realmId === undefined ? [] : this.faults.filter((f) => f.realmId !== realmId);
    return before - this.faults.length;
  }

  /** The fault to apply to this request, if any; consuming one use of a counted fault. */
  match(req: FaultTarget): ActiveFault | undefined {
    for (const f of this.faults) {
      if (req.surface === 'api' && TOKEN_ONLY.includes(f.kind)) continue;
      if (req.surface === 'token' && API_ONLY.includes(f.kind)) continue;
      if (f.realmId !== undefined && f.realmId !== req.realmId) continue;
      if (f.method !== undefined && f.method.toUpperCase() !== req.method.toUpperCase()) continue;
      if (f.path !== undefined && !req.target.toLowerCase().includes(f.path.toLowerCase())) continue;
      if (f.ratio !== undefined && this.random() >= f.ratio) continue;
      f.hits++;
      if (f.count !== undefined) {
        f.count--;
        if (f.count <= 0) this.faults = this.faults.filter((x) => x !== f);
      }
      return { ...f };
    }
    return undefined;
  }
}
