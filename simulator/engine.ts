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
import { refId, roundMoney, type RuleContext } from './rules-common.ts';
import { nameListRules } from './rules-names.ts';
import { invoicePaymentState, isClosed, paymentApplications, transactionRules } from './rules-txns.ts';
import { bindEntity, checkLengths, collectRefs } from './schema.ts';
import { CURRENCY_NAMES } from './seed.ts';
import { nextSeq, type CompanyState } from './store.ts';
import { localDate, qboDateTime } from './time.ts';
import type { EntityName, QboObject, ResolvedOptions } from './types.ts';

/**
 * The QBO data service for one realm: create, read, update (full or sparse), delete and void, with the validation
 * in rules-*.ts. It throws QboFault; the HTTP layer and batch turn faults into bodies. Nothing here knows HTTP.
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
    const stored = this.stamp(prepared, id, 0, now, now);
    company.entities[entity][id] = stored;
    this.emit(company, entity, id, 'Create', w.silent);
    if (entity === 'Payment') this.syncInvoices(company, [...paymentApplications(stored).keys()]);
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
    const oldApplications = entity === 'Payment' ? [...paymentApplications(existing).keys()] : [];
    let prepared = this.prepare(company, def, merged, existing, w);
    // An invoice's balance and payment links belong to the payments, whatever the client sent back.
    if (entity === 'Invoice') prepared = this.withPaymentState(company, id, prepared);
    const stored = this.stamp(prepared, id, Number(existing.SyncToken) + 1, this.createdMs(existing), this.deps.now());
    company.entities[entity][id] = stored;
    this.emit(company, entity, id, 'Update');
    if (entity === 'Payment') this.syncInvoices(company, [...oldApplications, ...paymentApplications(stored).keys()]);
    return this.render(company, entity, stored);
  }

  /** Only transactions can be deleted; name lists are made inactive instead (reference §5.6). */
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
    if (entity === 'Payment') this.syncInvoices(company, [...paymentApplications(existing).keys()]);
    if (entity === 'Invoice') this.unlinkPayments(company, id);
    return { domain: 'QBO', status: 'Deleted', Id: id };
  }

  /** Void keeps the transaction with zero amounts (reference §6.3); supported for invoices and payments. */
  void(company: CompanyState, entity: EntityName, body: unknown, _w: WriteOptions = {}): QboObject {
    if (entity !== 'Invoice' && entity !== 'Payment') throw unsupportedOperation('Operation Void is not supported.');
    const def = ENTITIES[entity];
    const { value } = bindEntity(entity, body, def.fields);
    const id = value.Id === undefined ? undefined : String(value.Id);
    if (!id) throw requiredParam('Id');
    const existing = this.existingFor(company, entity, id);
    this.checkWritable(company, entity, existing, value.SyncToken);
    const voided = clone(existing);
    const lines = (voided.Line as QboObject[] | undefined) ?? [];
    if (entity === 'Invoice') {
      this.unlinkPayments(company, id);
      for (const l of lines) {
        l.Amount = 0;
        const d = l.SalesItemLineDetail as QboObject | undefined;
        if (d) d.Qty = 0;
      }
      voided.Balance = 0;
      voided.TxnTaxDetail = { TotalTax: 0 };
    } else {
      voided.Line = [];
      voided.UnappliedAmt = 0;
    }
    voided.TotalAmt = 0;
    if (voided.HomeTotalAmt !== undefined) voided.HomeTotalAmt = 0;
    voided.PrivateNote = 'Voided';
    const stored = this.stamp(voided, id, Number(existing.SyncToken) + 1, this.createdMs(existing), this.deps.now());
    company.entities[entity][id] = stored;
    this.emit(company, entity, id, 'Void');
    if (entity === 'Payment') this.syncInvoices(company, [...paymentApplications(existing).keys()]);
    return this.render(company, entity, stored);
  }

  read(company: CompanyState, entity: EntityName, id: string): QboObject {
    return this.render(company, entity, this.existingFor(company, entity, id));
  }

  /** Deleting an invoice leaves its payments in place with the amount unapplied, as in QBO. */
  private unlinkPayments(company: CompanyState, invoiceId: string): void {
    for (const payment of Object.values(company.entities.Payment)) {
      if (!paymentApplications(payment).has(invoiceId)) continue;
      const lines = (payment.Line as QboObject[]).filter(
        (l) => !((l.LinkedTxn as QboObject[] | undefined) ?? []).some((t) => t.TxnType === 'Invoice' && String(t.TxnId) === invoiceId),
      );
      const applied = lines.reduce((s, l) => s + Number(l.Amount ?? 0), 0);
      const currency = refId(payment.CurrencyRef) ?? company.prefs.homeCurrency;
      const now = this.deps.now();
      company.entities.Payment[String(payment.Id)] = this.stamp(
        { ...payment, Line: lines, UnappliedAmt: roundMoney(Number(payment.TotalAmt) - applied, currency) },
        String(payment.Id),
        Number(payment.SyncToken) + 1,
        this.createdMs(payment),
        now,
      );
      this.emit(company, 'Payment', String(payment.Id), 'Update');
    }
  }

  private withPaymentState(company: CompanyState, id: string, invoice: QboObject): QboObject {
    const next = invoicePaymentState(company, { ...invoice, Id: id });
    const out: QboObject = { ...invoice, Balance: next.Balance };
    if (next.LinkedTxn.length) out.LinkedTxn = next.LinkedTxn;
    else delete out.LinkedTxn;
    if (out.HomeBalance !== undefined) out.HomeBalance = roundMoney(next.Balance * Number(invoice.ExchangeRate ?? 1), company.prefs.homeCurrency);
    return out;
  }

  /** Recomputes invoice balances from payments; a changed invoice gets a new SyncToken like any other write. */
  private syncInvoices(company: CompanyState, ids: string[]): void {
    for (const id of new Set(ids)) {
      const invoice = company.entities.Invoice[id];
      if (!invoice) continue;
      const updated = this.withPaymentState(company, id, invoice);
      if (updated.Balance === invoice.Balance && JSON.stringify(updated.LinkedTxn ?? []) === JSON.stringify(invoice.LinkedTxn ?? [])) continue;
      company.entities.Invoice[id] = this.stamp(updated, id, Number(invoice.SyncToken) + 1, this.createdMs(invoice), this.deps.now());
      this.emit(company, 'Invoice', id, 'Update');
    }
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
      const docs = entity === 'Customer' ? company.entities.Invoice : company.entities.Bill;
      const partyKey = entity === 'Customer' ? 'CustomerRef' : 'VendorRef';
      let balance = 0;
      for (const d of Object.values(docs)) if (refId(d[partyKey]) === stored.Id) balance += Number(d.Balance ?? 0);
      if (entity === 'Customer') {
        for (const p of Object.values(company.entities.Payment)) if (refId(p.CustomerRef) === stored.Id) balance -= Number(p.UnappliedAmt ?? 0);
      }
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
