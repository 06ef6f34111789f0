/**
 * Drift: what happened to a QuickBooks transaction after this product wrote it (DESIGN.md §4 `drift`). When a sync
 * writes or links an entity, the parts a finance team cares about — amount, party, date, lines — are kept as the
 * entity's snapshot on its external reference. Whatever QuickBooks holds later (a change-data-capture row, or the
 * entity read right before an update) is compared with that snapshot: deleted, voided, or changed in those parts is
 * drift; anything else (a payment lowering a balance, a bill closing its PO, a memo edited) is not. Pure.
 */

/** A QuickBooks entity as the API returns it. */
type QboRow = Record<string, unknown>;

/** The parts of a QuickBooks transaction that drift is about, as a person reads them. */
export interface QboSnapshot {
  /** TotalAmt, as QuickBooks wrote it. */
  total?: string;
  /** The customer or vendor: QuickBooks id, and its name when QuickBooks gave one. */
  party?: string;
  partyName?: string;
  date?: string;
  /** One line per line, e.g. "2 × Maintenance visit (item 5) = 1200". */
  lines: string[];
  /** What the comparison uses: the lines by ids, not names (a renamed item is no drift). */
  lineKeys: string[];
}

export const DRIFT_KINDS = ['deleted', 'voided', 'changed'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];
export const DRIFT_FIELDS = ['amount', 'party', 'date', 'lines'] as const;
export type DriftField = (typeof DRIFT_FIELDS)[number];

/** One part that differs: what the sync left in QuickBooks (AWRA's version) beside what QuickBooks holds now. */
export interface DriftChange {
  field: DriftField;
  label: string;
  awra: string;
  qbo: string;
}

export interface Drift {
  kind: DriftKind;
  /** When this product noticed it. */
  detectedAt: string;
  /** When QuickBooks says the entity last changed, if it says. */
  changedAt?: string;
  /** The parts that differ (empty for a deletion or a void). */
  fields: DriftField[];
  changes: DriftChange[];
  /** QuickBooks' SyncToken when the drift was seen: keeping QuickBooks' version makes it the new baseline. */
  qboSyncToken?: string;
  /** QuickBooks' version of the compared parts (absent when the entity is gone). */
  qbo?: QboSnapshot;
}

/** The QuickBooks entities a sync writes whose later changes are drift (master records are not). */
export const DRIFT_ENTITIES = ['Invoice', 'Bill', 'Payment', 'PurchaseOrder', 'BillPayment', 'CreditMemo', 'VendorCredit', 'RefundReceipt'] as const;

export function isDriftEntity(entity: string): boolean {
  return (DRIFT_ENTITIES as readonly string[]).includes(entity);
}

const FIELD_LABELS: Record<DriftField, string> = { amount: 'Amount', party: 'Customer / vendor', date: 'Date', lines: 'Lines' };

/** "24,000.00": a QuickBooks amount as a person reads it (QuickBooks amounts are in major units). */
export function amountText(v: string | undefined): string {
  if (v === undefined) return '—';
  const n = Number(v);
  return Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : v;
}

const refOf = (v: unknown): { value?: string; name?: string } | undefined => (v && typeof v === 'object' ? (v as { value?: string; name?: string }) : undefined);
const num = (v: unknown): string | undefined => (v === undefined || v === null || v === '' ? undefined : String(Number(v)));

/** The detail of a line that names what it is for: an item, an account, or the documents a payment line settles. */
function lineSubject(line: QboRow): { key: string; label: string; qty?: string } {
  const linked = line.LinkedTxn as Array<{ TxnId?: string; TxnType?: string }> | undefined;
  if (Array.isArray(linked) && linked.length > 0) {
    const ids = linked.map((t) => `${t.TxnType ?? 'Txn'} ${t.TxnId ?? '?'}`);
    return { key: `txn:${ids.join(',')}`, label: ids.join(', ') };
  }
  const detailType = typeof line.DetailType === 'string' ? line.DetailType : '';
  const detail = (line[detailType] ?? {}) as QboRow;
  const item = refOf(detail.ItemRef);
  const account = refOf(detail.AccountRef);
  const qty = num(detail.Qty);
  if (item?.value) return { key: `item:${item.value}`, label: item.name ? `${item.name} (item ${item.value})` : `item ${item.value}`, ...(qty ? { qty } : {}) };
  if (account?.value) return { key: `account:${account.value}`, label: account.name ? `${account.name} (account ${account.value})` : `account ${account.value}`, ...(qty ? { qty } : {}) };
  return { key: detailType || 'line', label: String(line.Description ?? detailType ?? 'line'), ...(qty ? { qty } : {}) };
}

/**
 * The compared parts of a QuickBooks transaction, or undefined for entities drift is not about. Subtotal lines
 * (QuickBooks adds them itself) are left out.
 */
export function snapshotOf(entity: string, e: QboRow): QboSnapshot | undefined {
  if (!isDriftEntity(entity)) return undefined;
  const party = refOf(e.CustomerRef) ?? refOf(e.VendorRef);
  const lines: string[] = [];
  const lineKeys: string[] = [];
  for (const line of (Array.isArray(e.Line) ? e.Line : []) as QboRow[]) {
    if (line.DetailType === 'SubTotalLineDetail') continue;
    const amount = num(line.Amount) ?? '0';
    const s = lineSubject(line);
    lines.push(`${s.qty ? `${s.qty} × ` : ''}${s.label} = ${amountText(amount)}`);
    lineKeys.push(`${s.key}|${s.qty ?? ''}|${amount}`);
  }
  return {
    ...(num(e.TotalAmt) !== undefined ? { total: num(e.TotalAmt)! } : {}),
    ...(party?.value ? { party: String(party.value) } : {}),
    ...(party?.name ? { partyName: party.name } : {}),
    ...(typeof e.TxnDate === 'string' ? { date: e.TxnDate } : {}),
    lines,
    lineKeys,
  };
}

/** A voided QuickBooks transaction stays, with zero amounts and "Voided" as its private note (qbo-api.md §6.3). */
export function isVoided(e: QboRow): boolean {
  return /^voided\b/i.test(String(e.PrivateNote ?? '')) && Number(e.TotalAmt ?? 0) === 0;
}

const partyText = (s: QboSnapshot) => (s.party ? (s.partyName ? `${s.partyName} (${s.party})` : s.party) : '—');
const linesText = (s: QboSnapshot) => (s.lines.length ? s.lines.join('; ') : 'no lines');

/** The parts of `now` that differ from `sent`, each with both values as a person reads them. */
export function compareSnapshots(sent: QboSnapshot, now: QboSnapshot): DriftChange[] {
  const changes: DriftChange[] = [];
  const add = (field: DriftField, awra: string, qbo: string) => changes.push({ field, label: FIELD_LABELS[field], awra, qbo });
  if ((sent.total ?? '') !== (now.total ?? '')) add('amount', amountText(sent.total), amountText(now.total));
  if ((sent.party ?? '') !== (now.party ?? '')) add('party', partyText(sent), partyText(now));
  if ((sent.date ?? '') !== (now.date ?? '')) add('date', sent.date ?? '—', now.date ?? '—');
  if (sent.lineKeys.join('\n') !== now.lineKeys.join('\n')) add('lines', linesText(sent), linesText(now));
  return changes;
}

/** What QuickBooks holds now for an entity this product wrote: the entity, or `deleted` when it is gone. */
export type QboNow = { deleted: true; changedAt?: string } | { deleted?: false; entity: QboRow };

/**
 * Drift between what a sync left in QuickBooks (`ref`: its SyncToken and snapshot) and what QuickBooks holds now;
 * null when there is none. An entity whose SyncToken has not moved has not changed. A reference kept before
 * snapshots existed has only its SyncToken to go by: a moved token is then a change whose parts are unknown.
 */
export function detectDrift(ref: { entity: string; syncToken?: string; sent?: QboSnapshot }, now: QboNow, detectedAt: string): Drift | null {
  if (!isDriftEntity(ref.entity)) return null;
  if (now.deleted) return { kind: 'deleted', detectedAt, ...(now.changedAt ? { changedAt: now.changedAt } : {}), fields: [], changes: [] };
  const e = now.entity;
  const token = e.SyncToken !== undefined ? String(e.SyncToken) : undefined;
  if (token !== undefined && ref.syncToken !== undefined && token === ref.syncToken) return null;
  const changedAt = (e.MetaData as { LastUpdatedTime?: string } | undefined)?.LastUpdatedTime;
  const qbo = snapshotOf(ref.entity, e)!;
  const base = { detectedAt, ...(changedAt ? { changedAt } : {}), ...(token !== undefined ? { qboSyncToken: token } : {}), qbo };
  if (isVoided(e)) return { kind: 'voided', ...base, fields: [], changes: [] };
  if (!ref.sent) return { kind: 'changed', ...base, fields: [], changes: [] };
  const changes = compareSnapshots(ref.sent, qbo);
  if (changes.length === 0) return null;
  return { kind: 'changed', ...base, fields: changes.map((c) => c.field), changes };
}

/** "amount and lines", "date": the changed parts in a sentence. */
function partsText(d: Drift): string {
  const names = d.changes.map((c) => c.label.toLowerCase());
  if (names.length === 0) return 'it';
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** What happened in QuickBooks, for a finance clerk: "Someone changed the amount and lines of Bill 145 in QuickBooks after it synced." */
export function driftSentence(d: Pick<Drift, 'kind' | 'changes'>, entity: string, qboId: string): string {
  const what = `${entity} ${qboId}`;
  switch (d.kind) {
    case 'deleted':
      return `${what} was deleted in QuickBooks after it synced.`;
    case 'voided':
      return `${what} was voided in QuickBooks after it synced.`;
    case 'changed':
      return d.changes.length
        ? `Someone changed the ${partsText(d as Drift)} of ${what} in QuickBooks after it synced.`
        : `${what} was changed in QuickBooks after it synced (it synced before this product kept what it wrote, so which parts changed is not known).`;
  }
}

/** What finance can do about it, in a sentence. */
export function driftActionNeeded(d: Pick<Drift, 'kind'>): string {
  return d.kind === 'changed'
    ? 'Decide which version is right: keep QuickBooks\' version (recorded as your decision), or push AWRA\'s version to QuickBooks again.'
    : `Decide: accept that it is ${d.kind} in QuickBooks (the record is then no longer expected there), or push AWRA's version to QuickBooks again as a new entry.`;
}
