import type { MappingKind } from './vocabulary.ts';

export type HealthStatus = 'ready' | 'review' | 'blocked';

export interface MoneyTotal {
  currency: string;
  amountMinor: number;
}

/** One AWRA value of a mapping kind that has no usable QuickBooks mapping. */
export interface MappingGap {
  kind: MappingKind;
  key: string;
  problem: 'missing' | 'stale' | 'conflict';
  /** Why, in a sentence (e.g. the stale reason or the provider's conflict message). */
  detail: string;
  /** Records blocked on this gap right now, and the money they hold up. */
  heldRecords: number;
  heldAmounts: MoneyTotal[];
  /** Records (any state) whose latest version uses this value. */
  usedBy: number;
}

/** Mapping health of one kind, as the console and `GET /api/v1/mappings/health` show it. */
export interface MappingKindHealth {
  kind: MappingKind;
  label: string;
  status: HealthStatus;
  /** "Vendors — all active procurement vendors have QBO references", phrased for finance. */
  message: string;
  counts: { used: number; mapped: number; missing: number; stale: number };
  blastRadius: { records: number; amounts: MoneyTotal[] };
  gaps: MappingGap[];
}
