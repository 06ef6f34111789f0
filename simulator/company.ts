import { randomBytes } from 'node:crypto';
import type { Engine } from './engine.ts';
import { ACCOUNTING_SCOPE, type OAuthService } from './oauth.ts';
import { countryFor, CURRENCY_NAMES, seedEntries } from './seed.ts';
import { emptyEntities, type CompanyState, type SimState } from './store.ts';
import { isRealDate, qboDateTime } from './time.ts';
import type { CompanyCredentials, CreateCompanyOptions, PreferencesPatch, QboObject, ResolvedOptions } from './types.ts';

/** Companies (realms): creation with a seeded chart of accounts, and the Preferences / CompanyInfo entities. */

export interface CompanyDeps {
  state: () => SimState;
  opts: ResolvedOptions;
  now: () => number;
  engine: Engine;
  oauth: OAuthService;
  changed: () => void;
}

/** Realm ids look like production ones: 16 digits starting 9341 (sandbox companies). */
function newRealmId(state: SimState): string {
  for (;;) {
    const id = `9341${BigInt(`0x${randomBytes(6).toString('hex')}`).toString().padStart(12, '0').slice(-12)}`;
    if (!state.companies[id]) return id;
  }
}

function validateCurrency(code: string): void {
  if (!CURRENCY_NAMES[code]) throw new Error(`unsupported currency ${code}`);
}

export function createCompany(deps: CompanyDeps, options: CreateCompanyOptions = {}): CompanyCredentials {
  const state = deps.state();
  const homeCurrency = (options.homeCurrency ?? 'USD').toUpperCase();
  validateCurrency(homeCurrency);
  if (options.closingDate !== undefined && !isRealDate(options.closingDate)) throw new Error('closingDate must be YYYY-MM-DD');
  const clientId = options.clientId ?? deps.opts.defaultClient.clientId;
  const clientSecret =
    options.clientSecret ?? (clientId === deps.opts.defaultClient.clientId ? deps.opts.defaultClient.clientSecret : state.clients[clientId]?.clientSecret);
  if (!clientSecret) throw new Error(`clientSecret is required for a new client ${clientId}`);
  deps.oauth.registerClient(clientId, clientSecret);

  const now = deps.now();
  const realmId = newRealmId(state);
  const company: CompanyState = {
    realmId,
    companyName: options.companyName ?? `Sandbox Company ${realmId.slice(-4)}`,
    country: options.country ?? countryFor(homeCurrency),
    clientId,
    createdAt: now,
    prefs: {
      homeCurrency,
      multicurrency: options.multicurrency ?? false,
      ...(options.closingDate ? { closingDate: options.closingDate } : {}),
      customTxnNumbers: false,
    },
    prefsSyncToken: 0,
    prefsUpdatedAt: now,
    entities: emptyEntities(),
    changedAt: {},
    tombstones: [],
    seq: {},
    taxRates: {},
  };
  state.companies[realmId] = company;
  seed(deps.engine, company);

  const { grant, accessToken, accessExpiresAt } = deps.oauth.createGrant(realmId, clientId, options.scope ?? [ACCOUNTING_SCOPE]);
  deps.changed();
  return {
    realmId,
    accessToken,
    refreshToken: grant.refreshToken,
    clientId,
    clientSecret,
    accessTokenExpiresAt: new Date(accessExpiresAt).toISOString(),
    refreshTokenExpiresAt: new Date(grant.refreshExpiresAt).toISOString(),
  };
}

function seed(engine: Engine, company: CompanyState): void {
  const byName = (entity: 'Account', name: string): string | undefined =>
    Object.values(company.entities[entity]).find((e) => e.Name === name)?.Id as string | undefined;
  for (const entry of seedEntries(company.prefs.homeCurrency)) {
    const body = structuredClone(entry.body);
    const income = body.IncomeAccountRef as { name?: string; value?: string } | undefined;
    if (income?.name && !income.value) income.value = byName('Account', income.name);
    const created = engine.create(company, entry.entity, body, { system: entry.id ? { id: entry.id } : {}, silent: true });
    if (entry.rate !== undefined) company.taxRates[String(created.Id)] = entry.rate;
  }
}

export function updatePreferences(company: CompanyState, patch: PreferencesPatch, now: number): void {
  if (patch.homeCurrency !== undefined) {
    validateCurrency(patch.homeCurrency);
    company.prefs.homeCurrency = patch.homeCurrency;
  }
  if (patch.multicurrency !== undefined) {
    // QBO cannot turn multicurrency off once it is on.
    if (company.prefs.multicurrency && !patch.multicurrency) throw new Error('multicurrency cannot be turned off once enabled');
    company.prefs.multicurrency = patch.multicurrency;
  }
  if (patch.closingDate !== undefined) {
    if (patch.closingDate === null) delete company.prefs.closingDate;
    else if (!isRealDate(patch.closingDate)) throw new Error('closingDate must be YYYY-MM-DD');
    else company.prefs.closingDate = patch.closingDate;
  }
  if (patch.customTxnNumbers !== undefined) company.prefs.customTxnNumbers = patch.customTxnNumbers;
  company.prefsSyncToken++;
  company.prefsUpdatedAt = now;
}

function meta(createdMs: number, updatedMs: number, offset: number): QboObject {
  return { CreateTime: qboDateTime(createdMs, offset), LastUpdatedTime: qboDateTime(updatedMs, offset) };
}

export function preferencesEntity(company: CompanyState, offset: number): QboObject {
  const p = company.prefs;
  return {
    AccountingInfoPrefs: {
      FirstMonthOfFiscalYear: 'January',
      UseAccountNumbers: false,
      TaxYearMonth: 'January',
      ClassTrackingPerTxn: false,
      ClassTrackingPerTxnLine: true,
      TrackDepartments: true,
      DepartmentTerminology: 'Location',
      CustomerTerminology: 'Customers',
      ...(p.closingDate ? { BookCloseDate: p.closingDate } : {}),
    },
    ProductAndServicesPrefs: { ForSales: true, ForPurchase: true, QuantityWithPriceAndRate: true, QuantityOnHand: true },
    SalesFormsPrefs: {
      CustomTxnNumbers: p.customTxnNumbers,
      AllowDeposit: true,
      AllowDiscount: true,
      AllowEstimates: true,
      AllowServiceDate: false,
      AllowShipping: false,
      AutoApplyCredit: true,
    },
    VendorAndPurchasesPrefs: { TrackingByCustomer: true, BillableExpenseTracking: true },
    TaxPrefs: { UsingSalesTax: true, PartnerTaxEnabled: false },
    CurrencyPrefs: {
      MultiCurrencyEnabled: p.multicurrency,
      HomeCurrency: { value: p.homeCurrency },
    },
    TimeTrackingPrefs: { UseServices: true, BillCustomers: true, ShowBillRateToAll: false, WorkWeekStartDate: 'Monday', MarkTimeEntriesBillable: true },
    OtherPrefs: { NameValue: [{ Name: 'SalesFormsPrefs.DefaultCustomerMessage', Value: '' }] },
    domain: 'QBO',
    sparse: false,
    Id: '1',
    SyncToken: String(company.prefsSyncToken),
    MetaData: meta(company.createdAt, company.prefsUpdatedAt, offset),
  };
}

export function companyInfoEntity(company: CompanyState, offset: number): QboObject {
  const addr =
    company.country === 'US'
      ? { Id: '1', Line1: '2600 Marine Way', City: 'Mountain View', CountrySubDivisionCode: 'CA', Country: 'US', PostalCode: '94043' }
      : { Id: '1', Line1: '1 Market Street', City: 'Nairobi', Country: company.country, PostalCode: '00100' };
  return {
    CompanyName: company.companyName,
    LegalName: company.companyName,
    CompanyAddr: addr,
    CustomerCommunicationAddr: addr,
    LegalAddr: addr,
    PrimaryPhone: { FreeFormNumber: company.country === 'US' ? '(650) 555-0100' : '+254 700 000000' },
    CompanyStartDate: qboDateTime(company.createdAt, offset).slice(0, 10),
    FiscalYearStartMonth: 'January',
    Country: company.country,
    Email: { Address: 'finance@example.com' },
    WebAddr: {},
    SupportedLanguages: 'en',
    NameValue: [
      { Name: 'NeoEnabled', Value: 'true' },
      { Name: 'IsQbdtMigrated', Value: 'false' },
      { Name: 'CompanyType', Value: 'Other' },
      { Name: 'SubscriptionStatus', Value: 'PAID' },
      { Name: 'OfferingSku', Value: 'QuickBooks Online Plus' },
      { Name: 'PayrollFeature', Value: 'false' },
      { Name: 'AccountantFeature', Value: 'false' },
    ],
    domain: 'QBO',
    sparse: false,
    Id: '1',
    SyncToken: '0',
    MetaData: meta(company.createdAt, company.createdAt, offset),
  };
}
