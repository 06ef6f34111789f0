import type { Drift } from '../../domain/drift.ts';
import type { AwraRecord } from '../../domain/records.ts';
import type { RecordSync } from './state.ts';
import type { Verdict } from './steps.ts';
import { BLOCKS, EVENTS } from './texts.ts';

/**
 * Drift: the record's QuickBooks entity was deleted, voided or changed there after the sync (domain/drift.ts). A
 * newer AWRA version is then not sent over it; the record waits for a person to say whose version stands, and this
 * run carries the decision out — keep QuickBooks' version (it becomes the reference for later changes), or push
 * AWRA's again (an update, or a new entity where QuickBooks' is gone or voided).
 */

/** Does the next push replace a QuickBooks entity that is gone or voided, by creating a new one? */
export function recreates(sync: RecordSync): boolean {
  const kind = sync.status.drift?.kind;
  return sync.overwrite && (kind === 'deleted' || kind === 'voided');
}

/** The push found the entity changed in QuickBooks: hold the version for a person's decision. */
export async function holdForReview(sync: RecordSync, record: AwraRecord, version: number, drift: Drift): Promise<void> {
  const ref = sync.status.externalRef!;
  sync.status.drift = drift;
  sync.heldVersion = version;
  const t = BLOCKS.editedInQuickBooks(record.number, version, ref, drift);
  await sync.block('duplicate_risk', t.action, t.event, { drift: { kind: drift.kind, fields: drift.fields } }, 'finance');
  await sync.waitForChange(['decision']);
}

/** Carries out a decision taken on the record's drift, if one was; `next` goes on to check and push as usual. */
export async function decide(sync: RecordSync, record: AwraRecord): Promise<Verdict> {
  const req = sync.driftDecision;
  if (!req) return 'next';
  sync.driftDecision = undefined;
  sync.triggers.delete('decision');
  const { status } = sync;
  const drift = status.drift;
  const ref = status.externalRef;
  if (!drift || !ref) {
    sync.event('drift_decided', EVENTS.nothingToDecide(req.actor, record.number), req.actor);
    return 'next';
  }
  const notSent = sync.heldVersion;
  sync.heldVersion = undefined;
  // A run started for the decision tells what it is deciding on; a held push said so when it blocked.
  if (notSent === undefined) sync.event('drift_seen', EVENTS.driftSeen(ref, drift), 'quickbooks', { kind: drift.kind, fields: drift.fields });
  if (req.decision === 'push_awra') {
    sync.overwrite = true;
    sync.event('drift_decided', EVENTS.pushAgainChosen(req.actor, record.number, ref, drift), req.actor, { decision: req.decision });
    return 'next';
  }
  status.drift = null;
  if (drift.kind === 'changed') {
    const kept = { ...ref, ...(drift.qboSyncToken ? { syncToken: drift.qboSyncToken } : {}), ...(drift.qbo ? { sent: drift.qbo } : {}) };
    await sync.finish('synced', kept, record, EVENTS.keptQuickBooks(req.actor, record.number, ref, notSent), req.actor);
    return 'done';
  }
  status.externalRef = { ...ref, goneInQuickBooks: drift.kind };
  sync.setState('cancelled');
  sync.event('cancelled', EVENTS.acceptedGone(req.actor, record.number, ref, drift.kind), req.actor, { decision: req.decision, kind: drift.kind });
  await sync.project();
  return 'done';
}
