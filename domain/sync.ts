import type { Drift, QboSnapshot } from './drift.ts';
import type { RefKind } from './required-mappings.ts';
import type { FailureClass, Owner, RecordType, SyncState } from './vocabulary.ts';

/** One readiness check, phrased for a finance clerk. */
export interface ReadinessCheck {
  id: string;
  label: string;
  ok: boolean;
  message: string;
}

/** One reference the QuickBooks payload needs and whether it resolves. */
export interface MappingCheck {
  kind: RefKind;
  key: string;
  reason: string;
  ok: boolean;
  qboId?: string;
  qboName?: string;
  problem?: 'missing' | 'stale' | 'not_synced';
}

/** The QuickBooks entity a record became (or was linked to). */
export interface ExternalRef {
  entity: string;
  qboId: string;
  syncToken?: string;
  docNumber?: string;
  url?: string;
  /** Set once AWRA voided the record and it was voided, deleted or closed in QuickBooks to match. */
  voided?: 'voided' | 'deleted' | 'closed';
  /** A credit note applied to invoices: the QuickBooks Payment that applies its CreditMemo to them. */
  application?: CreditApplicationRef;
  /** Deleted or voided in QuickBooks after the sync, and a person accepted it (domain/drift.ts). */
  goneInQuickBooks?: 'deleted' | 'voided';
  /** What QuickBooks held right after this product wrote or linked it (transactions): drift is measured from it. */
  sent?: QboSnapshot;
}

/**
 * The zero-total Payment through which QuickBooks applies a credit memo to invoices (qbo/mappers.ts
 * `creditApplicationPayload`): set once QuickBooks accepted it; `voided` once AWRA's void of the credit note voided it.
 */
export interface CreditApplicationRef {
  entity: 'Payment';
  qboId: string;
  syncToken?: string;
  url?: string;
  voided?: 'voided';
}

/** What QuickBooks said for one push attempt. */
export interface AttemptEvidence {
  attemptNo: number;
  activityAttempt?: number;
  requestId: string;
  startedAt: string;
  finishedAt: string;
  httpStatus: number;
  class: FailureClass | 'accepted';
  code?: string;
  message?: string;
  detail?: string;
  element?: string;
  intuitTid?: string;
}

export interface DuplicateCandidate {
  entity: string;
  qboId: string;
  label: string;
  docNumber?: string;
  amount?: string;
  txnDate?: string;
  source: 'qbo_query' | 'attempt_ledger';
}

/** Live state of a record's sync, as the stateQuery returns it and the projection stores it. */
export interface SyncStatus {
  workflowId: string;
  tenantId: string;
  recordType: RecordType;
  sourceId: string;
  number: string;
  version: number;
  state: SyncState;
  failureClass: FailureClass | null;
  owner: Owner | null;
  actionNeeded: string | null;
  retryCount: number;
  readiness: ReadinessCheck[];
  mappings: MappingCheck[];
  duplicateCandidates: DuplicateCandidate[];
  externalRef: ExternalRef | null;
  assignee: string | null;
  escalatedTo: string | null;
  blockedSince: string | null;
  slaDueAt: string | null;
  /**
   * What happened to the QuickBooks entity after the sync (DESIGN.md §4), or null. Undefined while a run has not
   * read it: the projection then keeps what the reference refresh wrote.
   */
  drift?: Drift | null;
  /** Increases with every change; projection writes keep only the newest. */
  seq: number;
}

export interface SyncEvent {
  seq: number;
  at: string;
  kind: string;
  message: string;
  actor: string;
  data?: Record<string, unknown>;
}


/** Facts about the record the projection keeps for queues and close readiness. */
export interface ProjectionFacts {
  currency?: string | null;
  amountMinor?: number | null;
  txnDate?: string | null;
}
