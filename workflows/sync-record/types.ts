/**
 * The syncRecord workflow's contract: its input and result, and the input/output of the activities it calls. The
 * workflow owns these types; activities and clients import them from here.
 */
import type { Drift } from '../../domain/drift.ts';
import type { MappingResult } from '../../domain/mapping-gaps.ts';
import type { ReadinessContext } from '../../domain/readiness.ts';
import type { AwraRecord } from '../../domain/records.ts';
import type { CreditApplicationRef, DuplicateCandidate, ExternalRef, ReadinessCheck, SyncStatus } from '../../domain/sync.ts';
import type { VoidStep } from '../../domain/voids.ts';
import type { RecordType, SyncState } from '../../domain/vocabulary.ts';
import type { QboClassification } from '../../qbo/classify.ts';
import type { QboFailureDetails } from '../../qbo/failure.ts';

export type { MappingResult, QboClassification, QboFailureDetails };

/** Workflow input: a single object so fields can be added without breaking running histories. */
export interface SyncRecordInput {
  tenantId: string;
  recordType: RecordType;
  sourceId: string;
  version: number;
  /** Carried across continue-as-new. */
  carry?: SyncCarry;
  /** Seconds a blocked record may wait before it escalates by itself; tests shrink it. */
  slaSeconds?: number;
  /** Continue-as-new once the history passes this many events (default 5,000); tests shrink it. */
  historyLimit?: number;
  /** Automatic retry policy of the push; tests shrink it. */
  retry?: { initialIntervalMs?: number; maximumIntervalMs?: number; maximumAttempts?: number };
  /**
   * Seconds before an automatic wait (mapping, dependency, connection, QuickBooks unreachable) first re-checks its
   * condition by itself, doubling up to 6 hours: a lost signal costs a delay, never a stuck record (default 300).
   */
  waitRecheckSeconds?: number;
  /**
   * A person's decision on a finished record whose QuickBooks entity drifted (domain/drift.ts): this run carries it
   * out — keep QuickBooks' version, or push AWRA's again.
   */
  driftDecision?: DriftDecision;
  /**
   * Started by code that has the clean path (sync-record/clean.ts): the run's first pass goes through one activity
   * when nothing blocks. Runs started before it never carry it, so their histories replay as they were recorded.
   */
  cleanPath?: boolean;
}

/** What a person decided about a record whose QuickBooks entity changed after the sync. */
export interface DriftDecision {
  decision: 'accept_quickbooks' | 'push_awra';
  actor: string;
}

export interface SyncCarry {
  retryCount: number;
  createAnyway?: boolean;
  logicalAttempt: number;
  seq: number;
  assignee?: string;
  escalatedTo?: string;
  /** How far the SLA escalated the record by itself (1 or 2). */
  slaLevel?: number;
}


export interface SyncResult {
  state: SyncState;
  externalRef: ExternalRef | null;
  retryCount: number;
}

/** A realm as the workflow sees it before it validates a record. */
export interface RealmContext extends ReadinessContext {
  connected: boolean;
  realmId?: string;
  environment?: 'sandbox' | 'production' | 'simulator';
  status?: string;
}

export interface DuplicateResult {
  adopt: ExternalRef | null;
  candidates: DuplicateCandidate[];
}

export interface PrepareInput {
  tenantId: string;
  workflowId: string;
  recordType: RecordType;
  sourceId: string;
  version: number;
  skipDuplicates: boolean;
}

/** What prepareSync found; the parts after the first blocking step are absent. */
export interface PreparedSync {
  record: AwraRecord;
  realm: RealmContext;
  readiness: ReadinessCheck[];
  mapping?: MappingResult;
  duplicates?: DuplicateResult;
  /** The QuickBooks entity an earlier run of this record created or linked: a newer version updates it. */
  existingRef?: ExternalRef;
  /** The projection's change counter: a new run of the record continues it, so its writes are not taken as stale. */
  projectedSeq: number;
  /**
   * The last logical attempt an earlier run recorded: a new run numbers its attempts on from it, so its evidence
   * does not collide with theirs (absent in histories recorded before it existed).
   */
  lastAttemptNo?: number;
  /** The projection's state and version when prepared (absent before the clean path). */
  projectedState?: SyncState;
  projectedVersion?: number;
  /** What the reference refresh found changed in QuickBooks since an earlier run synced the record, if anything. */
  existingDrift?: Drift | null;
}

/** The clean path's one activity (activities/clean-sync.ts): the first pass of a run, with what the workflow holds. */
export interface CleanSyncInput extends Omit<PrepareInput, 'skipDuplicates'> {
  /** The workflow's status when it asked: what the projection continues from. */
  status: SyncStatus;
  /** The run's logical attempt so far: the push is the next one. */
  logicalAttempt: number;
}

/**
 * `prepared`: not plainly clean, nothing sent — the workflow takes its steps with what was prepared. `pushed`: in
 * QuickBooks; with `status` when the activity also projected it (the workflow takes that status), without when
 * something else wrote the projection meanwhile (the workflow finishes the sync itself).
 */
export type CleanSyncResult =
  | { outcome: 'prepared'; prep: PreparedSync }
  | { outcome: 'pushed'; prep: PreparedSync; attemptNo: number; requestId: string; pushed: PushResult; status?: SyncStatus };

export interface PushInput {
  tenantId: string;
  workflowId: string;
  record: AwraRecord;
  refs: MappingResult['refs'];
  requestId: string;
  attemptNo: number;
  /** The user chose "create anyway": let QuickBooks accept a duplicate DocNumber. */
  allowDuplicate: boolean;
  /** A newer version of a record already in QuickBooks: update this entity (sparse update) instead of creating. */
  updateOf?: ExternalRef;
  /**
   * A person chose to overwrite QuickBooks' version with AWRA's. Without it, an update of an entity someone changed
   * in QuickBooks since the sync is not sent: the push answers `edited` instead.
   */
  overwrite?: boolean;
  homeCurrency?: string | null;
  multicurrency?: boolean;
}

export interface PushResult {
  externalRef: ExternalRef;
  /** Temporal's attempt number of this activity: automatic retries are attempt − 1. */
  activityAttempt: number;
  adopted: boolean;
  /** The entity changed in QuickBooks since the sync (deleted, voided, or edited): nothing was sent. */
  edited?: Drift;
}

/** What a failed push tells the workflow (ApplicationFailure details[0]). */
export type PushFailureDetails = QboFailureDetails;

/** A push attempt failed and Temporal will retry it: what the activity tells its workflow, so the record shows it. */
export interface PushRetrying {
  /** The logical attempt (PushInput.attemptNo) the report is about. */
  attemptNo: number;
  requestId: string;
  activityAttempt: number;
  /** QuickBooks' answer in a sentence ("code 3001: …"). */
  said: string;
  classification: QboClassification;
}

/** A record AWRA voided after it synced: what to void, delete or close in QuickBooks, with its own requestid. */
export interface VoidInput {
  tenantId: string;
  workflowId: string;
  recordType: RecordType;
  number: string;
  externalRef: ExternalRef;
  requestId: string;
  attemptNo: number;
  /** `application`: void the credit note's application Payment (`externalRef.application`), not the entity itself. */
  step?: VoidStep;
}

export interface VoidResult {
  /** The reference as it is now, marked voided / deleted / closed. */
  externalRef: ExternalRef;
  activityAttempt: number;
  /** QuickBooks no longer had the entity (deleted by hand): nothing was left to do. */
  alreadyGone: boolean;
}

/** A credit note's CreditMemo is in QuickBooks: apply it to the invoices AWRA applied it to, with its own requestid. */
export interface ApplyCreditInput {
  tenantId: string;
  workflowId: string;
  record: AwraRecord;
  refs: MappingResult['refs'];
  creditMemo: ExternalRef;
  requestId: string;
  attemptNo: number;
  homeCurrency?: string | null;
  multicurrency?: boolean;
}

export interface ApplyCreditResult {
  application: CreditApplicationRef;
  /** The AWRA numbers of the invoices it applies to (their source ids where a number is not known). */
  invoices: string[];
  activityAttempt: number;
  /** An earlier attempt had made it already (its answer was lost): found in QuickBooks, not created again. */
  adopted: boolean;
}
