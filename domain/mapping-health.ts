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

/** What the database knows, per tenant, for computing mapping health (db/queries/mapping-health.ts gathers it). */
export interface MappingFacts {
  /** AWRA values the latest version of each record uses, with how many records use each. */
  used: Array<{ kind: MappingKind; key: string; usedBy: number }>;
  mappings: Array<{ kind: MappingKind; key: string; status: 'active' | 'stale'; staleReason: string | null; qboName: string | null }>;
  /** Gaps that hold blocked records now. */
  held: Array<{ kind: MappingKind; key: string; records: number; amounts: MoneyTotal[] }>;
  /** Master records QuickBooks (or our duplicate check) says already exist: a conflict for that kind. */
  conflicts: Array<{ kind: MappingKind; key: string; label: string; fromProvider: boolean }>;
}

const NOUNS: Record<MappingKind, { one: string; many: string; mapping: string }> = {
  account: { one: 'account code', many: 'account codes', mapping: 'QuickBooks account' },
  tax_code: { one: 'tax category', many: 'tax categories', mapping: 'tax code mapping' },
  customer: { one: 'customer', many: 'customers', mapping: 'QuickBooks customer' },
  vendor: { one: 'vendor', many: 'vendors', mapping: 'QuickBooks vendor' },
  item: { one: 'item', many: 'items', mapping: 'QuickBooks item' },
  payment_method: { one: 'payment method', many: 'payment methods', mapping: 'QuickBooks payment method' },
  category: { one: 'category or branch', many: 'categories and branches', mapping: 'QuickBooks class' },
};
const WORDS = ['No', 'One', 'Two', 'Three', 'Four', 'Five', 'Six', 'Seven', 'Eight', 'Nine', 'Ten'];
const count = (n: number) => WORDS[n] ?? String(n);
const list = (unsorted: string[]) => {
  const keys = [...unsorted].sort();
  return keys.length > 4 ? `${keys.slice(0, 4).join(', ')} and ${keys.length - 4} more` : keys.join(', ');
};
const PAYMENT_LABELS: Record<string, string> = { paystack: 'Paystack', mpesa: 'M-Pesa', bank_transfer: 'Bank transfer', cash: 'Cash', card: 'Card' };

function addAmounts(into: MoneyTotal[], more: MoneyTotal[]): MoneyTotal[] {
  const by = new Map(into.map((m) => [m.currency, m.amountMinor]));
  for (const m of more) by.set(m.currency, (by.get(m.currency) ?? 0) + m.amountMinor);
  return [...by].map(([currency, amountMinor]) => ({ currency, amountMinor })).sort((a, b) => a.currency.localeCompare(b.currency));
}

/**
 * Mapping health per kind (DESIGN.md §2): blocked when a pending record is held by a gap or QuickBooks returned a
 * conflict; review when values AWRA uses lack a mapping or a mapping went stale but nothing is held yet; ready
 * otherwise. `formatAmounts` renders money for the sentence (kept out so this stays pure and locale-free).
 */
export function computeMappingHealth(
  f: MappingFacts,
  kinds: readonly MappingKind[],
  labels: Record<MappingKind, string>,
  formatAmounts: (amounts: MoneyTotal[]) => string,
): MappingKindHealth[] {
  return kinds.map((kind) => {
    const noun = NOUNS[kind];
    const used = f.used.filter((u) => u.kind === kind);
    const maps = new Map(f.mappings.filter((m) => m.kind === kind).map((m) => [m.key, m]));
    const heldBy = new Map(f.held.filter((h) => h.kind === kind).map((h) => [h.key, h]));
    const gaps: MappingGap[] = [];
    for (const u of used) {
      const m = maps.get(u.key);
      if (m?.status === 'active') continue;
      const held = heldBy.get(u.key);
      gaps.push({
        kind,
        key: u.key,
        problem: m ? 'stale' : 'missing',
        detail: m ? (m.staleReason ?? 'the mapped QuickBooks entity is no longer usable') : `no ${noun.mapping}`,
        heldRecords: held?.records ?? 0,
        heldAmounts: held?.amounts ?? [],
        usedBy: u.usedBy,
      });
    }
    for (const m of maps.values()) {
      if (m.status === 'stale' && !gaps.some((g) => g.key === m.key)) {
        const held = heldBy.get(m.key);
        gaps.push({ kind, key: m.key, problem: 'stale', detail: m.staleReason ?? 'inactive in QuickBooks', heldRecords: held?.records ?? 0, heldAmounts: held?.amounts ?? [], usedBy: 0 });
      }
    }
    for (const c of f.conflicts.filter((x) => x.kind === kind)) {
      gaps.push({ kind, key: c.key, problem: 'conflict', detail: `${c.label} already exists in QuickBooks${c.fromProvider ? ' (QuickBooks returned a duplicate-name conflict)' : ''}`, heldRecords: 1, heldAmounts: [], usedBy: 1 });
    }
    const heldGaps = gaps.filter((g) => g.heldRecords > 0);
    const records = heldGaps.reduce((n, g) => n + g.heldRecords, 0);
    const amounts = heldGaps.reduce<MoneyTotal[]>((a, g) => addAmounts(a, g.heldAmounts), []);
    const mapped = used.filter((u) => maps.get(u.key)?.status === 'active').length;
    const missing = gaps.filter((g) => g.problem === 'missing').length;
    const stale = gaps.filter((g) => g.problem === 'stale').length;

    let status: HealthStatus = 'ready';
    let message: string;
    const conflicts = gaps.filter((g) => g.problem === 'conflict');
    if (conflicts.length > 0) {
      status = 'blocked';
      const fromProvider = f.conflicts.some((c) => c.kind === kind && c.fromProvider);
      const what = kind === 'item' ? 'SKU' : 'name';
      message = `Duplicate ${what} conflict ${fromProvider ? 'returned by QuickBooks' : 'found in QuickBooks'} for ${list(conflicts.map((g) => f.conflicts.find((c) => c.key === g.key)?.label ?? g.key))}; finance must link or create anyway.`;
    } else if (heldGaps.length > 0) {
      status = 'blocked';
      const first = heldGaps[0]!;
      const described =
        heldGaps.length === 1
          ? `${noun.one[0]!.toUpperCase()}${noun.one.slice(1)} ${first.key} ${first.problem === 'stale' ? `is mapped to an unusable QuickBooks entity (${first.detail})` : `has no ${noun.mapping}`}`
          : `${count(heldGaps.length)} ${noun.many} (${list(heldGaps.map((g) => g.key))}) lack a usable ${noun.mapping}`;
      message = `${described} — blocks ${records} record${records === 1 ? '' : 's'}${amounts.length ? `, ${formatAmounts(amounts)}` : ''}.`;
    } else if (gaps.length > 0) {
      status = 'review';
      const parts = [];
      if (missing) parts.push(`${count(missing)} ${missing === 1 ? noun.one : noun.many} used by AWRA (${list(gaps.filter((g) => g.problem === 'missing').map((g) => g.key))}) need${missing === 1 ? 's' : ''} a ${noun.mapping}`);
      if (stale) parts.push(`${count(stale)} mapping${stale === 1 ? ' points' : 's point'} to a QuickBooks entity that is inactive or gone (${list(gaps.filter((g) => g.problem === 'stale').map((g) => g.key))})`);
      message = `${parts.join('; ')}; no record is held yet.`;
    } else if (used.length === 0) {
      message = `No ${noun.many} in use by AWRA yet.`;
    } else if (kind === 'payment_method') {
      const clearing = f.mappings.filter((m) => m.kind === 'account' && m.key.startsWith('clearing:') && m.status === 'active').map((m) => m.key.slice('clearing:'.length));
      const methods = used.map((u) => u.key);
      message = methods.every((m) => clearing.includes(m))
        ? `${list(methods.map((m) => PAYMENT_LABELS[m] ?? m)).replace(/, ([^,]*)$/, ' and $1')} receipts mapped to clearing accounts.`
        : `All ${used.length} payment methods used by AWRA are mapped.`;
    } else if (kind === 'vendor') {
      message = `All ${used.length} active vendors used by AWRA have QuickBooks references.`;
    } else {
      message = `All ${used.length} ${used.length === 1 ? noun.one : noun.many} used by AWRA ${used.length === 1 ? 'is' : 'are'} mapped to QuickBooks.`;
    }
    return { kind, label: labels[kind], status, message, counts: { used: used.length, mapped, missing, stale }, blastRadius: { records, amounts }, gaps };
  });
}
