import { ENTITIES, isNameList, isTransaction, rootField, type EntityDef } from './entities.ts';
import {
  accountPeriodClosed,
  businessValidation,
  inactiveReference,
  invalidReference,
  objectNotFound,
  requiredParam,
  staleObject,
  unsupportedOperation,
} from './errors.ts';
import { refId, type RuleContext } from './rules-common.ts';
import { nameListRules } from './rules-names.ts';
import {
  billPurchaseOrders,
  billWithoutPurchaseOrder,
  derivedState,
  hasDerivedState,
  isClosed,
  lineLinks,
  linkTargets,
  SETTLED_BY,
  transactionRules,
  unappliedAmount,
  voidedTransaction,
  withoutLink,
  type LinkTarget,
} from './rules-txns.ts';
import { bindEntity, checkLengths, collectRefs } from './schema.ts';
import { CURRENCY_NAMES } from './seed.ts';
import { nextSeq, type CompanyState } from './store.ts';
import { localDate, qboDateTime } from './time.ts';
import type { EntityName, QboObject, ResolvedOptions, TransactionEntity } from './types.ts';

/**
 * The QBO data service for one realm: create, read, update (full or sparse), delete and void, with the validation
 * in rules-*.ts. It throws QboFault; the HTTP layer and batch turn faults into bodies. Nothing here knows HTTP.
 * A write that changes what other transactions say about a document (a payment settling an invoice, a bill linking
 * a purchase order) re-derives that document, which becomes a new version with its own change notification.
 */

export type Operation = 'Create' | 'Update' | 'Delete' | 'Void';

export interface ChangeEvent {
  realmId: string;
  entity: EntityName;
  id: string;
  operation: Operation;
  at: number;
}

export interface WriteOptions {
  include?: Set<string>;
  /** "Entity:Id" created earlier in the same batch: invisible to references (reference §2.3, B-BATCH17). */
  invisible?: Set<string>;
  /** System writes (seeding, control API): bypass the read-only guard and may force an Id. */
  system?: { id?: string };
  /** No change notification (seeding a new company). */
  silent?: boolean;
}

export interface EngineDeps {
  opts: ResolvedOptions;
  now: () => number;
  onChange: (e: ChangeEvent) => void;
}

/** Name-list ids run per list; transactions share one sequence, as QBO's TxnId does. */
function seqKey(entity: EntityName): string {
  return isTransaction(entity) ? 'txn' : entity;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** The fields derivedState owns; a document whose values of these change is stored as a new version. */
const DERIVED_KEYS = ['Balance', 'RemainingCredit', 'HomeBalance', 'LinkedTxn', 'POStatus'];

/** What the client may send back: the stored entity minus what the server owns. */
function editable(def: EntityDef, stored: QboObject): QboObject {
  const out: QboObject = {};
  for (const [k, v] of Object.entries(stored)) {
    const f = def.fields[k];
    if (f && !f.ro && k !== 'Id' && k !== 'SyncToken') out[k] = clone(v);
  }
  return out;
}

export class Engine {
  constructor(private readonly deps: EngineDeps) {}

  private offset(): number {
    return this.deps.opts.utcOffsetMinutes;
  }

  private ruleContext(company: CompanyState, def: EntityDef, existing: QboObject | undefined, w: WriteOptions): RuleContext {
    const now = this.deps.now();
    const invisible = w.invisible;
    const lookup = (entity: EntityName, id: string): QboObject | undefined =>
      invisible?.has(`${entity}:${id}`) ? undefined : company.entities[entity][id];
    const code = this.deps.opts.inactiveReferenceCode;
    return {
      company,
      def,
      existing,
      opts: this.deps.opts,
      now,
      today: localDate(now, this.offset()),
      include: w.include ?? new Set(),
      lookup,
      all: (entity) => Object.values(company.entities[entity]),
      checkRefs: (value) => {
        for (const visit of collectRefs(value, rootField(def), '')) {
          const targets = visit.to;
          if (!targets || targets === 'currency') continue;
          const id = visit.ref.value;
          if (id === undefined || id === '') throw invalidReference(visit.path);
          if (visit.path === 'ParentRef' && id === existing?.Id) {
            throw businessValidation('An entity cannot be its own parent.', 'ParentRef');
          }
          const found = targets.map((e) => lookup(e, id)).find(Boolean);
          if (!found) throw invalidReference(visit.path);
          if (found.Active === false) throw inactiveReference(visit.path, code);
        }
      },
    };
  }

  private prepare(company: CompanyState, def: EntityDef, value: QboObject, existing: QboObject | undefined, w: WriteOptions): QboObject {
    checkLengths(value, rootField(def), '');
    const ctx = this.ruleContext(company, def, existing, w);
    return def.kind === 'name' ? nameListRules(ctx, value) : transactionRules(ctx, value);
  }

  private stamp(value: QboObject, id: string, syncToken: number, createdMs: number, nowMs: number): QboObject {
    const off = this.offset();
    return {
      ...value,
      Id: id,
      SyncToken: String(syncToken),
      MetaData: { CreateTime: qboDateTime(createdMs, off), LastUpdatedTime: qboDateTime(nowMs, off) },
      domain: 'QBO',
      sparse: false,
    };
  }

  private createdMs(stored: QboObject): number {
    const meta = stored.MetaData as { CreateTime?: string } | undefined;
    return meta?.CreateTime ? Date.parse(meta.CreateTime) : this.deps.now();
  }

  private emit(company: CompanyState, entity: EntityName, id: string, operation: Operation, silent = false): void {
    const at = this.deps.now();
    company.changedAt[`${entity}:${id}`] = at;
    if (!silent) this.deps.onChange({ realmId: company.realmId, entity, id, operation, at });
  }

  create(company: CompanyState, entity: EntityName, body: unknown, w: WriteOptions = {}): QboObject {
    const def = ENTITIES[entity];
    if (def.readOnly && !w.system) throw unsupportedOperation(`Operation Create is not supported for ${entity}.`);
    const { value } = bindEntity(entity, body, def.fields);
    delete value.Id;
    delete value.SyncToken;
    const prepared = this.prepare(company, def, value, undefined, w);
    const id = w.system?.id ?? String(nextSeq(company, seqKey(entity)));
    const now = this.deps.now();
    const stored = this.stamp(this.withDerived(company, entity, prepared, id), id, 0, now, now);
    company.entities[entity][id] = stored;
    this.emit(company, entity, id, 'Create', w.silent);
    this.syncLinked(company, linkTargets(entity, stored));
    return this.render(company, entity, stored);
  }

  private existingFor(company: CompanyState, entity: EntityName, id: string): QboObject {
    const stored = company.entities[entity][id];
    if (stored) return stored;
    throw objectNotFound(entity, id, isTransaction(entity));
  }

  private checkWritable(company: CompanyState, entity: EntityName, stored: QboObject, syncToken: unknown): void {
    if (syncToken === undefined || String(syncToken) !== String(stored.SyncToken)) throw staleObject();
    if (isTransaction(entity) && isClosed(company, stored.TxnDate)) throw accountPeriodClosed();
  }

  update(company: CompanyState, entity: EntityName, body: unknown, w: WriteOptions = {}): QboObject {
    const def = ENTITIES[entity];
    if (def.readOnly && !w.system) throw unsupportedOperation(`Operation Update is not supported for ${entity}.`);
    const { value, sparse } = bindEntity(entity, body, def.fields);
    const id = value.Id === undefined ? undefined : String(value.Id);
    if (!id) throw requiredParam('Id');
    const existing = this.existingFor(company, entity, id);
    this.checkWritable(company, entity, existing, value.SyncToken);
    delete value.Id;
    delete value.SyncToken;
    const merged = sparse ? { ...editable(def, existing), ...value } : value;
    // A document's balance and links belong to the transactions that settle or link it, whatever the client sent.
    const prepared = this.withDerived(company, entity, this.prepare(company, def, merged, existing, w), id);
    const stored = this.stamp(prepared, id, Number(existing.SyncToken) + 1, this.createdMs(existing), this.deps.now());
    company.entities[entity][id] = stored;
    this.emit(company, entity, id, 'Update');
    this.syncLinked(company, [...linkTargets(entity, existing), ...linkTargets(entity, stored)]);
    return this.render(company, entity, stored);
  }

  /**
   * Only transactions can be deleted; name lists are made inactive instead (reference §5.6). Transactions that
   * linked the deleted one let go of it, and what it settled or linked is open again.
   */
  delete(company: CompanyState, entity: EntityName, body: unknown, _w: WriteOptions = {}): QboObject {
    const def = ENTITIES[entity];
    if (!isTransaction(entity)) throw unsupportedOperation('Operation Delete is not supported.');
    const { value } = bindEntity(entity, body, def.fields);
    const id = value.Id === undefined ? undefined : String(value.Id);
    if (!id) throw requiredParam('Id');
    const existing = this.existingFor(company, entity, id);
    this.checkWritable(company, entity, existing, value.SyncToken);
    delete company.entities[entity][id];
    company.tombstones.push({ entity, Id: id, deletedAt: this.deps.now() });
    this.emit(company, entity, id, 'Delete');
    this.unlinkFrom(company, entity, id);
    this.syncLinked(company, linkTargets(entity, existing));
    return { domain: 'QBO', status: 'Deleted', Id: id };
  }

  /**
   * Void keeps the transaction with zero amounts (reference §6.3), for the entities `voidableEntities` names. CDC
   * shows the voided transaction as changed; its webhook operation is Void.
   */
  void(company: CompanyState, entity: EntityName, body: unknown, _w: WriteOptions = {}): QboObject {
    if (!isTransaction(entity) || !this.deps.opts.voidableEntities.includes(entity)) throw unsupportedOperation('Operation Void is not supported.');
    const def = ENTITIES[entity];
    const { value } = bindEntity(entity, body, def.fields);
    const id = value.Id === undefined ? undefined : String(value.Id);
    if (!id) throw requiredParam('Id');
    const existing = this.existingFor(company, entity, id);
    this.checkWritable(company, entity, existing, value.SyncToken);
    this.unlinkFrom(company, entity, id);
    const voided = this.withDerived(company, entity, voidedTransaction(entity, existing), id);
    const stored = this.stamp(voided, id, Number(existing.SyncToken) + 1, this.createdMs(existing), this.deps.now());
    company.entities[entity][id] = stored;
    this.emit(company, entity, id, 'Void');
    this.syncLinked(company, linkTargets(entity, existing));
    return this.render(company, entity, stored);
  }

  read(company: CompanyState, entity: EntityName, id: string): QboObject {
    return this.render(company, entity, this.existingFor(company, entity, id));
  }

  /**
   * Transactions linking a document that is deleted or voided let go of it and stay (QBO keeps a payment of a
   * deleted invoice, its amount unapplied); each one changed is a new version.
   */
  private unlinkFrom(company: CompanyState, entity: TransactionEntity, id: string): void {
    const settlement = SETTLED_BY[entity];
    if (settlement) {
      for (const txn of Object.values(company.entities[settlement])) {
        if (!lineLinks(txn, entity).has(id)) continue;
        const currency = refId(txn.CurrencyRef) ?? company.prefs.homeCurrency;
        const others = linkTargets(settlement, txn).filter((t) => !(t.entity === entity && t.id === id));
        this.restamp(company, settlement, withoutLink(settlement, txn, { entity, id }, currency));
        this.syncLinked(company, others);
      }
    }
    if (entity === 'PurchaseOrder') {
      for (const bill of Object.values(company.entities.Bill)) {
        if (billPurchaseOrders(bill).includes(id)) this.restamp(company, 'Bill', billWithoutPurchaseOrder(bill, id));
      }
    }
  }

  private withDerived(company: CompanyState, entity: EntityName, value: QboObject, id: string): QboObject {
    if (!isTransaction(entity) || !hasDerivedState(entity)) return value;
    return derivedState(company, this.deps.opts, entity, { ...value, Id: id });
  }

  /** Re-derives documents from the transactions that settle or link them; a changed one gets a new SyncToken. */
  private syncLinked(company: CompanyState, targets: LinkTarget[]): void {
    const seen = new Set<string>();
    for (const { entity, id } of targets) {
      const key = `${entity}:${id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const current = company.entities[entity][id];
      if (!current) continue;
      const next = derivedState(company, this.deps.opts, entity, current);
      if (DERIVED_KEYS.every((k) => JSON.stringify(next[k]) === JSON.stringify(current[k]))) continue;
      this.restamp(company, entity, next);
    }
  }

  /** Stores a changed version of an entity the engine itself rewrote, with a notification like any write. */
  private restamp(company: CompanyState, entity: EntityName, value: QboObject): void {
    const id = String(value.Id);
    const current = company.entities[entity][id]!;
    company.entities[entity][id] = this.stamp(value, id, Number(current.SyncToken) + 1, this.createdMs(current), this.deps.now());
    this.emit(company, entity, id, 'Update');
  }

  /** The entity as QBO returns it: reference names joined in, balances of parties derived from open documents. */
  render(company: CompanyState, entity: EntityName, stored: QboObject): QboObject {
    const out = clone(stored);
    for (const visit of collectRefs(out, rootField(ENTITIES[entity]), '')) {
      const r = visit.ref;
      if (visit.to === 'currency') {
        if (r.value && CURRENCY_NAMES[r.value]) r.name = CURRENCY_NAMES[r.value];
        continue;
      }
      const targets = visit.to;
      const id = r.value;
      if (!targets || !id) continue;
      // QBO returns tax code references without a name.
      if (targets.length === 1 && targets[0] === 'TaxCode') {
        delete r.name;
        continue;
      }
      const target = targets.map((e) => company.entities[e][id]).find(Boolean);
      const name = target?.FullyQualifiedName ?? target?.DisplayName ?? target?.Name;
      if (name !== undefined) r.name = String(name);
    }
    if (entity === 'Customer' || entity === 'Vendor') {
      const customer = entity === 'Customer';
      const partyKey = customer ? 'CustomerRef' : 'VendorRef';
      const mine = (kind: TransactionEntity): QboObject[] => Object.values(company.entities[kind]).filter((d) => refId(d[partyKey]) === stored.Id);
      let balance = 0;
      for (const d of mine(customer ? 'Invoice' : 'Bill')) balance += Number(d.Balance ?? 0);
      // Open credits and money paid on account are owed back to the party.
      for (const d of mine(customer ? 'CreditMemo' : 'VendorCredit')) balance -= Number(d.Balance ?? 0);
      const settlement = customer ? 'Payment' : 'BillPayment';
      for (const p of mine(settlement)) balance -= unappliedAmount(settlement, p);
      out.Balance = Number(balance.toFixed(2));
      if (entity === 'Customer') out.BalanceWithJobs = out.Balance;
    }
    return out;
  }

  /** Every stored entity of a kind, rendered; for query, CDC and the ledger. */
  list(company: CompanyState, entity: EntityName): QboObject[] {
    return Object.values(company.entities[entity]).map((e) => this.render(company, entity, e));
  }

  isNameList(entity: EntityName): boolean {
    return isNameList(entity);
  }
}
