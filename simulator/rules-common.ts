import { currencyExponent } from '../domain/money.ts';
import type { EntityDef } from './entities.ts';
import { businessValidation, invalidReference } from './errors.ts';
import { CURRENCY_NAMES } from './seed.ts';
import type { CompanyState } from './store.ts';
import type { EntityName, QboObject, ResolvedOptions } from './types.ts';

/** What the per-entity rules may see and ask of the engine while they validate one write. */
export interface RuleContext {
  company: CompanyState;
  def: EntityDef;
  /** The stored entity on update; undefined on create. */
  existing: QboObject | undefined;
  opts: ResolvedOptions;
  now: number;
  /** The company's calendar date today. */
  today: string;
  /** `include=` options of the request, lower-cased (e.g. allowduplicatedocnum). */
  include: Set<string>;
  /** Finds an entity the write may refer to (entities created earlier in the same batch are not visible). */
  lookup(entity: EntityName, id: string): QboObject | undefined;
  all(entity: EntityName): QboObject[];
  /** 2500 / 610 for every reference in the value that does not resolve to an active entity of the right kind. */
  checkRefs(value: QboObject): void;
}

export type Ref = { value?: string; name?: string };

export function refOf(v: unknown): Ref | undefined {
  return v && typeof v === 'object' ? (v as Ref) : undefined;
}

export function refId(v: unknown): string | undefined {
  const r = refOf(v);
  return r?.value !== undefined && r.value !== '' ? r.value : undefined;
}

/** Rounds to the currency's minor unit, half away from zero, avoiding binary-float artefacts like 1.005. */
export function roundMoney(amount: number, currency: string): number {
  const exp = currencyExponent(currency);
  const factor = 10 ** exp;
  const scaled = Math.abs(amount) * factor;
  const rounded = Math.round(Number(scaled.toPrecision(15)));
  return (Math.sign(amount) * rounded) / factor;
}

export function normName(s: unknown): string {
  return String(s ?? '').trim().toLowerCase();
}

/** A currency QBO knows, as a ref with its display name; unknown codes are an invalid reference. */
export function currencyRefFor(code: string, element = 'CurrencyRef'): { value: string; name: string } {
  const name = CURRENCY_NAMES[code];
  if (!name) throw invalidReference(element, `${element} ${code}`);
  return { value: code, name };
}

/**
 * Multicurrency rule: with the feature off everything is in the home currency; with it on a party keeps the
 * currency it was created with and its transactions must use that currency.
 */
export function checkCurrency(ctx: RuleContext, code: string, what: string): void {
  const home = ctx.company.prefs.homeCurrency;
  if (code !== home && !ctx.company.prefs.multicurrency) {
    throw businessValidation(
      `${what} is in ${code}, but multicurrency is not turned on for this company; only the home currency ${home} can be used.`,
      'CurrencyRef',
    );
  }
}
