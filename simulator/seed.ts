import type { EntityName, QboObject } from './types.ts';

/**
 * What a fresh QBO company holds before anyone syncs to it: a chart of accounts like QBO's default one plus the
 * clearing accounts an East-African business keeps for Paystack and M-Pesa, tax codes, payment methods, terms,
 * classes and departments. Seeds go through the same validation as API writes, so they are well-formed by rule.
 */

export interface SeedEntry {
  entity: EntityName;
  body: QboObject;
  /** Forced Id: US tax codes are addressed as "TAX" and "NON" (reference §5.1). */
  id?: string;
  /** Tax rate in percent for tax codes. */
  rate?: number;
}

const account = (Name: string, AccountType: string, AccountSubType: string): SeedEntry => ({
  entity: 'Account',
  body: { Name, AccountType, AccountSubType },
});

export function seedEntries(homeCurrency: string): SeedEntry[] {
  const us = homeCurrency === 'USD';
  return [
    account('Checking', 'Bank', 'Checking'),
    account('Savings', 'Bank', 'Savings'),
    account('Accounts Receivable (A/R)', 'Accounts Receivable', 'AccountsReceivable'),
    account('Undeposited Funds', 'Other Current Asset', 'UndepositedFunds'),
    account('Inventory Asset', 'Other Current Asset', 'Inventory'),
    account('Paystack Clearing', 'Other Current Asset', 'OtherCurrentAssets'),
    account('M-Pesa Clearing', 'Other Current Asset', 'OtherCurrentAssets'),
    account('Card Clearing', 'Other Current Asset', 'OtherCurrentAssets'),
    account('Accounts Payable (A/P)', 'Accounts Payable', 'AccountsPayable'),
    account(us ? 'Sales Tax Payable' : 'VAT Payable', 'Other Current Liability', us ? 'SalesTaxPayable' : 'GlobalTaxPayable'),
    account('Opening Balance Equity', 'Equity', 'OpeningBalanceEquity'),
    account('Retained Earnings', 'Equity', 'RetainedEarnings'),
    account('Sales of Product Income', 'Income', 'SalesOfProductIncome'),
    account('Services', 'Income', 'ServiceFeeIncome'),
    account('Discounts given', 'Income', 'DiscountsRefundsGiven'),
    account('Cost of Goods Sold', 'Cost of Goods Sold', 'SuppliesMaterialsCogs'),
    account('Office Supplies', 'Expense', 'OfficeGeneralAdministrativeExpenses'),
    account('Rent or Lease', 'Expense', 'RentOrLeaseOfBuildings'),
    account('Bank Charges', 'Expense', 'BankCharges'),
    account('Utilities', 'Expense', 'Utilities'),
    account('Travel', 'Expense', 'Travel'),
    account('Repairs and Maintenance', 'Expense', 'RepairMaintenance'),
    account('Uncategorized Expense', 'Expense', 'OtherMiscellaneousServiceCost'),
    { entity: 'TaxCode', id: 'TAX', rate: 0, body: { Name: 'TAX', Description: 'TAX', Taxable: true, TaxGroup: false } },
    { entity: 'TaxCode', id: 'NON', rate: 0, body: { Name: 'NON', Description: 'NON', Taxable: false, TaxGroup: false } },
    { entity: 'TaxCode', rate: 16, body: { Name: 'VAT 16%', Description: 'Standard rated 16%', Taxable: true, TaxGroup: true } },
    { entity: 'TaxCode', rate: 0, body: { Name: 'Zero-rated', Description: 'Zero-rated 0%', Taxable: true, TaxGroup: true } },
    { entity: 'TaxCode', rate: 0, body: { Name: 'Exempt', Description: 'Exempt', Taxable: false, TaxGroup: true } },
    { entity: 'PaymentMethod', body: { Name: 'Cash', Type: 'NON_CREDIT_CARD' } },
    { entity: 'PaymentMethod', body: { Name: 'Check', Type: 'NON_CREDIT_CARD' } },
    { entity: 'PaymentMethod', body: { Name: 'Credit Card', Type: 'CREDIT_CARD' } },
    { entity: 'PaymentMethod', body: { Name: 'Bank Transfer', Type: 'NON_CREDIT_CARD' } },
    { entity: 'PaymentMethod', body: { Name: 'M-Pesa', Type: 'NON_CREDIT_CARD' } },
    { entity: 'PaymentMethod', body: { Name: 'Paystack', Type: 'NON_CREDIT_CARD' } },
    { entity: 'Term', body: { Name: 'Due on receipt', DueDays: 0 } },
    { entity: 'Term', body: { Name: 'Net 15', DueDays: 15 } },
    { entity: 'Term', body: { Name: 'Net 30', DueDays: 30 } },
    { entity: 'Term', body: { Name: 'Net 60', DueDays: 60 } },
    { entity: 'Class', body: { Name: 'Head Office' } },
    { entity: 'Class', body: { Name: 'Branch Operations' } },
    { entity: 'Department', body: { Name: 'Nairobi' } },
    { entity: 'Department', body: { Name: 'Mombasa' } },
    // Items come last: they reference the income account above by name (resolved when seeding).
    { entity: 'Item', body: { Name: 'Services', Type: 'Service', IncomeAccountRef: { name: 'Services' } } },
    { entity: 'Item', body: { Name: 'Hours', Type: 'Service', IncomeAccountRef: { name: 'Services' } } },
  ];
}

const COUNTRY_BY_CURRENCY: Record<string, string> = {
  USD: 'US',
  KES: 'KE',
  UGX: 'UG',
  TZS: 'TZ',
  RWF: 'RW',
  NGN: 'NG',
  GHS: 'GH',
  ZAR: 'ZA',
  GBP: 'GB',
  EUR: 'IE',
  CAD: 'CA',
  AUD: 'AU',
  INR: 'IN',
};

export function countryFor(currency: string): string {
  return COUNTRY_BY_CURRENCY[currency] ?? 'US';
}

export const CURRENCY_NAMES: Record<string, string> = {
  USD: 'United States Dollar',
  KES: 'Kenyan Shilling',
  UGX: 'Ugandan Shilling',
  TZS: 'Tanzanian Shilling',
  RWF: 'Rwandan Franc',
  ETB: 'Ethiopian Birr',
  NGN: 'Nigerian Naira',
  GHS: 'Ghanaian Cedi',
  ZAR: 'South African Rand',
  GBP: 'British Pound Sterling',
  EUR: 'Euro',
  CAD: 'Canadian Dollar',
  AUD: 'Australian Dollar',
  INR: 'Indian Rupee',
  JPY: 'Japanese Yen',
  CNY: 'Chinese Yuan Renminbi',
  AED: 'UAE Dirham',
  CHF: 'Swiss Franc',
};
