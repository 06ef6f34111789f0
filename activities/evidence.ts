import type { Db } from '../db/client.ts';
import { recordAttempt } from '../db/queries/attempts.ts';
import type { AttemptEvidence } from '../domain/sync.ts';
import { Context } from '@temporalio/activity';
import { classifyQboResponse, type QboClassification } from '../qbo/classify.ts';
import type { QboResponse } from '../qbo/client.ts';
import type { BatchPlace } from '../qbo/coalesce.ts';
import { writeStorable } from './storable.ts';

/** Which write an answer belongs to: the record, its logical attempt and the requestid sent. */
export interface AttemptOf {
  tenantId: string;
  workflowId: string;
  attemptNo: number;
  requestId: string;
}

/**
 * Keeps QuickBooks' answer to one write (a push, a void) in the attempt ledger, as it came — unless Postgres cannot
 * store its text (activities/storable.ts). `message` overrides QuickBooks' own when the product decided the outcome;
 * `batch` says where the write sat when it went out in a `/batch` (that batch's requestid and the record's bId).
 */
export async function keepAttempt(
  db: Db,
  of: AttemptOf,
  a: { activityAttempt: number; startedAt: string; finishedAt: string; resp: QboResponse; c: QboClassification; message?: string; batch?: BatchPlace },
): Promise<void> {
  const { c, resp } = a;
  const message = a.message ?? c.message ?? resp.transportError;
  const evidence: AttemptEvidence = {
    attemptNo: of.attemptNo,
    activityAttempt: a.activityAttempt,
    requestId: of.requestId,
    startedAt: a.startedAt,
    finishedAt: a.finishedAt,
    httpStatus: resp.status,
    class: c.class,
    ...(c.code ? { code: c.code } : {}),
    ...(message ? { message } : {}),
    ...(c.detail ? { detail: c.detail } : {}),
    ...(c.element ? { element: c.element } : {}),
    ...(c.intuitTid ?? resp.intuitTid ? { intuitTid: c.intuitTid ?? resp.intuitTid } : {}),
  };
  await writeStorable('attempt evidence', evidence, (v) => recordAttempt(db, of.workflowId, of.tenantId, { ...v, ...a.batch }), { workflowId: of.workflowId });
}

/**
 * QuickBooks' answer to a write of the record `number` (`what`: "a push", "a credit application"): classified, logged
 * when it is not a routine acceptance (that one is evidence in Postgres and history already), and kept.
 */
export async function classifyAndKeep(
  db: Db,
  of: AttemptOf & { tenantId: string },
  what: string,
  number: string,
  a: { activityAttempt: number; startedAt: string; finishedAt: string; resp: QboResponse; batch?: BatchPlace },
): Promise<QboClassification> {
  const { resp } = a;
  const c = classifyQboResponse(resp);
  Context.current().log[c.class === 'accepted' ? 'debug' : 'info'](`QuickBooks answered ${what}`, {
    tenantId: of.tenantId,
    recordNumber: number,
    requestId: of.requestId,
    class: c.class,
    httpStatus: resp.status,
    ...(c.code ? { code: c.code } : {}),
    ...(resp.intuitTid ? { intuitTid: resp.intuitTid } : {}),
    ...(a.batch ? a.batch : {}),
  });
  await keepAttempt(db, of, { ...a, c });
  return c;
}
