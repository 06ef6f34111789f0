import { ACCOUNT_CLASSIFICATION, type AccountType } from './entities.ts';
import { businessValidation, duplicateName, invalidAccountType, requiredParam } from './errors.ts';
import { checkCurrency, currencyRefFor, normName, refId, type RuleContext } from './rules-common.ts';
import type { EntityName, QboObject } from './types.ts';

/**
 * Rules for name-list entities (reference §5.1, §5.5, §5.6): required fields, uniqueness (6240), account-type
 * constraints (6430), and the "(deleted)" rename that QBO applies when a list entity is made inactive.
 */

/** Vendor names get a capitalised suffix in QBO's own fixtures; customers and the other lists a lower-case one. */
export function deletedSuffix(entity: EntityName): string {
  return entity === 'Vendor' ? ' (Deleted)' : ' (deleted)';
}

const KIND_LABEL: Partial<Record<EntityName, string>> = {
  Vendor: 'vendor',
  Customer: 'customer',
  Item: 'product or service',
  Account: 'account',
  PaymentMethod: 'payment method',
  Class: 'class',
  Department: 'location',
  Term: 'term',
  TaxCode: 'tax code',
};

/** Entities whose name field is unique together: customers and vendors share one namespace (reference §5.5). */
function uniquenessScope(entity: EntityName): EntityName[] {
  return entity === 'Vendor' || entity === 'Customer' ? ['Customer', 'Vendor'] : [entity];
}

function assertUniqueName(ctx: RuleContext, value: QboObject, field: 'DisplayName' | 'Name' | 'FullyQualifiedName'): void {
  const wanted = normName(value[field]);
  const selfId = ctx.existing?.Id;
  for (const entity of uniquenessScope(ctx.def.name)) {
    for (const other of ctx.all(entity)) {
      if (entity === ctx.def.name && other.Id === selfId) continue;
      const otherName = entity === ctx.def.name ? other[field] : other.DisplayName;
      if (normName(otherName) === wanted) throw duplicateName(KIND_LABEL[entity] ?? entity.toLowerCase());
    }
  }
}

/**
 * Active:false renames the entity with the suffix (freeing the name for reuse, which is why QBO does it);
 * re-activating removes the suffix again when the name was not changed in the same request.
 */
function applyActiveTransition(ctx: RuleContext, value: QboObject, nameField: 'DisplayName' | 'Name'): { renamed: boolean } {
  const suffix = deletedSuffix(ctx.def.name);
  const wasActive = ctx.existing ? ctx.existing.Active !== false : true;
  const active = value.Active !== false;
  const name = String(value[nameField] ?? '');
  if (wasActive && !active && !name.endsWith(suffix)) {
    value[nameField] = `${name}${suffix}`;
    if (ctx.def.name === 'Vendor' && typeof value.CompanyName === 'string' && value.CompanyName) {
      value.CompanyName = `${value.CompanyName}${suffix}`;
    }
    return { renamed: true };
  }
  if (!wasActive && active && name.endsWith(suffix)) {
    value[nameField] = name.slice(0, -suffix.length);
    if (ctx.def.name === 'Vendor' && typeof value.CompanyName === 'string' && value.CompanyName.endsWith(suffix)) {
      value.CompanyName = value.CompanyName.slice(0, -suffix.length);
    }
  }
  return { renamed: false };
}

function parentName(ctx: RuleContext, value: QboObject, entity: EntityName): { fqn: string; level: number } | undefined {
  const parentId = refId(value.ParentRef);
  if (!parentId) return undefined;
  const parent = ctx.lookup(entity, parentId);
  if (!parent) return undefined;
  return { fqn: String(parent.FullyQualifiedName ?? parent.Name ?? parent.DisplayName), level: Number(parent.Level ?? 0) + 1 };
}

function partyRules(ctx: RuleContext, value: QboObject): QboObject {
  if (!value.DisplayName) {
    const parts = [value.Title, value.GivenName, value.MiddleName, value.FamilyName, value.Suffix].filter(Boolean).join(' ');
    const derived = parts || value.CompanyName;
    if (!derived) throw requiredParam('DisplayName');
    value.DisplayName = derived;
  }
  value.DisplayName = String(value.DisplayName).trim();
  if (!value.DisplayName) throw requiredParam('DisplayName');
  value.Active = value.Active !== false;
  ctx.checkRefs(value);

  const currency = refId(value.CurrencyRef) ?? refId(ctx.existing?.CurrencyRef) ?? ctx.company.prefs.homeCurrency;
  value.CurrencyRef = currencyRefFor(currency);
  checkCurrency(ctx, currency, `This ${ctx.def.name.toLowerCase()}`);
  const before = refId(ctx.existing?.CurrencyRef);
  if (before && before !== currency) {
    throw businessValidation(`You can't change the currency of a ${ctx.def.name.toLowerCase()} once it has been set (${before}).`, 'CurrencyRef');
  }

  const { renamed } = applyActiveTransition(ctx, value, 'DisplayName');
  if (!renamed) assertUniqueName(ctx, value, 'DisplayName');
  if (!value.PrintOnCheckName) value.PrintOnCheckName = value.CompanyName ?? value.DisplayName;

  if (ctx.def.name === 'Customer') {
    const parent = parentName(ctx, value, 'Customer');
    value.FullyQualifiedName = parent ? `${parent.fqn}:${value.DisplayName}` : value.DisplayName;
    value.Job = Boolean(parent) || value.Job === true;
    value.BillWithParent = value.BillWithParent === true;
    value.Level = parent?.level ?? 0;
    value.Taxable = value.Taxable === true;
    value.PreferredDeliveryMethod ??= 'Print';
  } else {
    value.Vendor1099 = value.Vendor1099 === true;
  }
  return value;
}

const AR_AP = new Set(['Accounts Receivable', 'Accounts Payable']);

function itemRules(ctx: RuleContext, value: QboObject): QboObject {
  if (!value.Name || !String(value.Name).trim()) throw requiredParam('Name');
  value.Name = String(value.Name).trim();
  if (!value.Type) throw requiredParam('Type');
  const type = String(value.Type);
  if (type === 'Inventory') {
    if (value.TrackQtyOnHand === false) throw businessValidation('An inventory item must track quantity on hand.', 'TrackQtyOnHand');
    value.TrackQtyOnHand = true;
    for (const f of ['IncomeAccountRef', 'ExpenseAccountRef', 'AssetAccountRef', 'QtyOnHand', 'InvStartDate']) {
      if (value[f] === undefined || (f.endsWith('Ref') && !refId(value[f]))) throw requiredParam(f);
    }
  } else if (type === 'Service' || type === 'Other Charge') {
    if (!refId(value.IncomeAccountRef)) throw requiredParam('IncomeAccountRef');
    // QBO echoes PurchaseCost 0 on every item, so only a real purchase side ("I purchase this") needs the account.
    const purchases = (value.PurchaseCost !== undefined && Number(value.PurchaseCost) !== 0) || Boolean(value.PurchaseDesc);
    if (purchases && !refId(value.ExpenseAccountRef)) {
      throw requiredParam('ExpenseAccountRef');
    }
  } else if (type === 'NonInventory') {
    if (!refId(value.IncomeAccountRef) && !refId(value.ExpenseAccountRef)) throw requiredParam('IncomeAccountRef');
  }
  value.Active = value.Active !== false;
  ctx.checkRefs(value);
  for (const f of ['IncomeAccountRef', 'ExpenseAccountRef', 'AssetAccountRef']) {
    const id = refId(value[f]);
    const acct = id ? ctx.lookup('Account', id) : undefined;
    if (acct && AR_AP.has(String(acct.AccountType))) throw invalidAccountType(f);
  }
  const parent = parentName(ctx, value, 'Item');
  value.SubItem = Boolean(parent);
  value.Level = parent?.level ?? 0;
  const { renamed } = applyActiveTransition(ctx, value, 'Name');
  value.FullyQualifiedName = parent ? `${parent.fqn}:${value.Name}` : value.Name;
  if (!renamed) assertUniqueName(ctx, value, 'Name');
  if (type !== 'Category') {
    value.UnitPrice ??= 0;
    value.PurchaseCost ??= 0;
    value.Taxable = value.Taxable === true;
    value.TrackQtyOnHand = value.TrackQtyOnHand === true;
  }
  return value;
}

/** AccountSubType → AccountType for the sub-types a client is likely to send alone. */
const TYPE_OF_SUBTYPE: Record<string, AccountType> = {
  Checking: 'Bank',
  Savings: 'Bank',
  CashOnHand: 'Bank',
  AccountsReceivable: 'Accounts Receivable',
  AccountsPayable: 'Accounts Payable',
  UndepositedFunds: 'Other Current Asset',
  Inventory: 'Other Current Asset',
  OtherCurrentAssets: 'Other Current Asset',
  OtherCurrentLiabilities: 'Other Current Liability',
  SalesOfProductIncome: 'Income',
  ServiceFeeIncome: 'Income',
  SuppliesMaterialsCogs: 'Cost of Goods Sold',
  OfficeGeneralAdministrativeExpenses: 'Expense',
  OtherMiscellaneousServiceCost: 'Expense',
  CreditCard: 'Credit Card',
  OpeningBalanceEquity: 'Equity',
};

function accountRules(ctx: RuleContext, value: QboObject): QboObject {
  if (!value.Name || !String(value.Name).trim()) throw requiredParam('Name');
  value.Name = String(value.Name).trim();
  if (!value.AccountType) {
    const derived = value.AccountSubType ? TYPE_OF_SUBTYPE[String(value.AccountSubType)] : undefined;
    if (!derived) throw requiredParam('AccountType');
    value.AccountType = derived;
  }
  value.Classification = ACCOUNT_CLASSIFICATION[value.AccountType as AccountType];
  value.Active = value.Active !== false;
  ctx.checkRefs(value);
  const currency = refId(value.CurrencyRef) ?? refId(ctx.existing?.CurrencyRef) ?? ctx.company.prefs.homeCurrency;
  value.CurrencyRef = currencyRefFor(currency);
  checkCurrency(ctx, currency, 'This account');
  const parent = parentName(ctx, value, 'Account');
  value.SubAccount = Boolean(parent);
  const { renamed } = applyActiveTransition(ctx, value, 'Name');
  value.FullyQualifiedName = parent ? `${parent.fqn}:${value.Name}` : value.Name;
  if (!renamed) assertUniqueName(ctx, value, 'FullyQualifiedName');
  value.CurrentBalance = Number(ctx.existing?.CurrentBalance ?? 0);
  value.CurrentBalanceWithSubAccounts = Number(ctx.existing?.CurrentBalanceWithSubAccounts ?? 0);
  return value;
}

/** PaymentMethod, Class, Department, Term, TaxCode: a unique Name and little else. */
function simpleListRules(ctx: RuleContext, value: QboObject): QboObject {
  if (!value.Name || !String(value.Name).trim()) throw requiredParam('Name');
  value.Name = String(value.Name).trim();
  value.Active = value.Active !== false;
  const entity = ctx.def.name;
  if (entity === 'Term' && value.DueDays === undefined && value.DayOfMonthDue === undefined) throw requiredParam('DueDays');
  ctx.checkRefs(value);
  const { renamed } = applyActiveTransition(ctx, value, 'Name');
  if (entity === 'Class' || entity === 'Department') {
    const parent = parentName(ctx, value, entity);
    value[entity === 'Class' ? 'SubClass' : 'SubDepartment'] = Boolean(parent);
    value.FullyQualifiedName = parent ? `${parent.fqn}:${value.Name}` : value.Name;
    if (!renamed) assertUniqueName(ctx, value, 'FullyQualifiedName');
  } else if (!renamed) {
    assertUniqueName(ctx, value, 'Name');
  }
  if (entity === 'PaymentMethod') value.Type ??= 'NON_CREDIT_CARD';
  if (entity === 'Term') value.Type ??= value.DayOfMonthDue !== undefined ? 'DATE_DRIVEN' : 'STANDARD';
  return value;
}

export function nameListRules(ctx: RuleContext, value: QboObject): QboObject {
  switch (ctx.def.name) {
    case 'Vendor':
    case 'Customer':
      return partyRules(ctx, value);
    case 'Item':
      return itemRules(ctx, value);
    case 'Account':
      return accountRules(ctx, value);
    default:
      return simpleListRules(ctx, value);
  }
}
