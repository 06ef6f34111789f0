import { QBO_TYPES } from './fields.ts';
import {
  any,
  arr,
  bool,
  currencyRef,
  date,
  datetime,
  enumOf,
  freeRef,
  num,
  obj,
  ref,
  ro,
  str,
  type Field,
} from './schema.ts';
import { NAME_LIST_ENTITIES, TRANSACTION_ENTITIES, type EntityName, type NameListEntity, type TransactionEntity } from './types.ts';

/**
 * The fields each entity accepts. The set of property names and their JSON shapes comes from the hand-written table
 * in fields.ts, so a property listed there is accepted and anything else is refused with 2010 as QBO refuses it. The
 * definitions below are overlays on that tree: they add what the table does not say (which entity a reference
 * points at, maximum lengths, output-only fields, closed value sets).
 */

const baseCache = new Map<string, Field>();

function baseField(spec: string): Field {
  if (spec.endsWith('[]')) return arr(baseField(spec.slice(0, -2)));
  switch (spec) {
    case 'string':
      return str();
    case 'number':
      return num;
    case 'boolean':
      return bool;
    case 'date':
      return date;
    case 'datetime':
      return datetime;
    case 'any':
      return any;
    case 'ReferenceType':
      // Bound by schema.ts's ref field, whose { value, name, type } matches fields.ts's ReferenceType.
      return freeRef;
    default:
      return baseType(spec);
  }
}

/** A type of fields.ts as an object field; cached first so recursive types (Line → GroupLineDetail → Line) end. */
function baseType(name: string): Field {
  const cached = baseCache.get(name);
  if (cached) return cached;
  const spec = QBO_TYPES[name];
  if (!spec) throw new Error(`fields.ts has no type ${name}`);
  const fields: Record<string, Field> = {};
  const f: Field = { k: 'object', javaClass: name, fields };
  baseCache.set(name, f);
  for (const [key, s] of Object.entries(spec)) fields[key] = baseField(s);
  return f;
}

/** Lays a hand-written definition over the base one: its constraints win, the base supplies every other property. */
function overlay(base: Field, mine: Field): Field {
  if (base.k === 'object' && mine.k === 'object') {
    const fields: Record<string, Field> = { ...base.fields };
    for (const [key, f] of Object.entries(mine.fields)) fields[key] = fields[key] ? overlay(fields[key], f) : f;
    return { ...mine, fields };
  }
  if (base.k === 'array' && mine.k === 'array') return { ...mine, of: overlay(base.of, mine.of) };
  return mine;
}

function withBase(entity: EntityName, mine: Record<string, Field>): Record<string, Field> {
  const merged = overlay(baseType(entity), obj(entity, mine));
  return merged.k === 'object' ? merged.fields : mine;
}

const common = {
  Id: str(),
  SyncToken: str(),
  MetaData: ro(obj('ModificationMetaData', { CreateTime: datetime, LastUpdatedTime: datetime, LastModifiedByRef: freeRef, CreatedByRef: freeRef })),
  domain: ro(str()),
  sparse: ro(bool),
  status: ro(str()),
};

const address = obj('PhysicalAddress', {
  Id: str(),
  Line1: str(500),
  Line2: str(500),
  Line3: str(500),
  Line4: str(500),
  Line5: str(500),
  City: str(255),
  Country: str(255),
  CountryCode: str(),
  County: str(),
  CountrySubDivisionCode: str(255),
  PostalCode: str(30),
  PostalCodeSuffix: str(),
  Lat: str(),
  Long: str(),
  Tag: str(),
  Note: str(),
});
const email = obj('EmailAddress', { Address: str(100), Default: bool, Tag: str() });
const phone = obj('TelephoneNumber', {
  FreeFormNumber: str(30),
  DeviceType: str(),
  CountryCode: str(),
  AreaCode: str(),
  ExchangeCode: str(),
  Extension: str(),
  Default: bool,
  Tag: str(),
});
const web = obj('WebSiteAddress', { URI: str(1000), Default: bool, Tag: str() });
const memo = obj('MemoRef', { value: str(1000), id: str() });
const linkedTxn = obj('LinkedTxn', { TxnId: str(), TxnType: str(), TxnLineId: str() });
const customField = obj('CustomField', {
  DefinitionId: str(),
  Name: str(),
  Type: enumOf('CustomFieldTypeEnum', ['StringType', 'BooleanType', 'NumberType', 'DateType']),
  StringValue: str(100),
  BooleanValue: bool,
  NumberValue: num,
  DateValue: date,
});
const txnTaxDetail = obj('TxnTaxDetail', {
  TxnTaxCodeRef: ref('TaxCode'),
  TotalTax: num,
  TaxLine: arr(any),
  DefaultTaxCodeRef: ref('TaxCode'),
  UseAutomatedSalesTax: bool,
});
const contactInfo = obj('ContactInfo', { Type: str(), Telephone: phone });

const person = {
  Title: str(16),
  GivenName: str(100),
  MiddleName: str(100),
  FamilyName: str(100),
  Suffix: str(16),
  DisplayName: str(500),
  CompanyName: str(100),
  PrintOnCheckName: str(110),
  Active: bool,
  PrimaryPhone: phone,
  AlternatePhone: phone,
  Mobile: phone,
  Fax: phone,
  PrimaryEmailAddr: email,
  WebAddr: web,
  BillAddr: address,
  OtherContactInfo: arr(contactInfo),
  CurrencyRef: currencyRef,
  Balance: ro(num),
  V4IDPseudonym: ro(str()),
  Source: str(),
  GSTIN: str(15),
  GSTRegistrationType: str(),
  BusinessNumber: str(10),
};

const BILLABLE = enumOf('BillableStatusEnum', ['Billable', 'NotBillable', 'HasBeenBilled']);
const markupInfo = obj('MarkupInfo', { PercentBased: bool, Value: num, Percent: num, PriceLevelRef: freeRef, MarkUpIncomeAccountRef: ref('Account') });

/** The opening both item lines share, as in fields.ts. */
const itemLine = {
  ItemRef: ref('Item'),
  ClassRef: ref('Class'),
  UnitPrice: num,
  RatePercent: num,
  PriceLevelRef: freeRef,
  MarkupInfo: markupInfo,
  Qty: num,
  UOMRef: freeRef,
};
const salesItemLineDetail = obj('SalesItemLineDetail', {
  ...itemLine,
  ItemAccountRef: ref('Account'),
  InventorySiteRef: freeRef,
  TaxCodeRef: ref('TaxCode'),
  TaxClassificationRef: freeRef,
  ServiceDate: date,
  TaxInclusiveAmt: num,
  DiscountRate: num,
  DiscountAmt: num,
});
const itemExpenseDetail = obj('ItemBasedExpenseLineDetail', {
  ...itemLine,
  TaxCodeRef: ref('TaxCode'),
  CustomerRef: ref('Customer'),
  BillableStatus: BILLABLE,
  TaxInclusiveAmt: num,
});
const accountExpenseDetail = obj('AccountBasedExpenseLineDetail', {
  AccountRef: ref('Account'),
  ClassRef: ref('Class'),
  TaxCodeRef: ref('TaxCode'),
  CustomerRef: ref('Customer'),
  BillableStatus: BILLABLE,
  MarkupInfo: markupInfo,
  TaxAmount: num,
  TaxInclusiveAmt: num,
});
const descriptionDetail = obj('DescriptionLineDetail', { ServiceDate: date, TaxCodeRef: ref('TaxCode') });
const subTotalDetail = obj('SubTotalLineDetail', { ItemRef: ref('Item') });
const discountDetail = obj('DiscountLineDetail', {
  PercentBased: bool,
  DiscountPercent: num,
  DiscountAccountRef: ref('Account'),
  ClassRef: ref('Class'),
  TaxCodeRef: ref('TaxCode'),
  DiscountRef: freeRef,
});

/** Line detail types QBO names (reference §5.2); which ones a transaction allows is EntityDef.lineTypes. */
const LINE_DETAIL_TYPES = [
  'SalesItemLineDetail',
  'GroupLineDetail',
  'DescriptionOnly',
  'DiscountLineDetail',
  'SubTotalLineDetail',
  'TaxLineDetail',
  'ItemBasedExpenseLineDetail',
  'AccountBasedExpenseLineDetail',
  'JournalEntryLineDetail',
  'DepositLineDetail',
] as const;

const line = obj('Line', {
  Id: str(),
  LineNum: num,
  Description: str(4000),
  Amount: num,
  DetailType: enumOf('LineDetailTypeEnum', LINE_DETAIL_TYPES),
  LinkedTxn: arr(linkedTxn),
  SalesItemLineDetail: salesItemLineDetail,
  ItemBasedExpenseLineDetail: itemExpenseDetail,
  AccountBasedExpenseLineDetail: accountExpenseDetail,
  DescriptionLineDetail: descriptionDetail,
  SubTotalLineDetail: subTotalDetail,
  DiscountLineDetail: discountDetail,
  GroupLineDetail: any,
  ProjectRef: freeRef,
  Received: num,
  LineEx: any,
  CustomField: arr(customField),
});

const transaction = {
  ...common,
  DocNumber: str(21),
  TxnDate: date,
  DepartmentRef: ref('Department'),
  CurrencyRef: currencyRef,
  ExchangeRate: num,
  PrivateNote: str(4000),
  TxnStatus: str(),
  LinkedTxn: arr(linkedTxn),
  Line: arr(line),
  TxnTaxDetail: txnTaxDetail,
  TotalAmt: ro(num),
  TransactionLocationType: str(),
  TxnSource: str(),
  CustomField: arr(customField),
  RecurDataRef: freeRef,
  ProjectRef: freeRef,
  AttachableRef: arr(any),
};

const GLOBAL_TAX = enumOf('GlobalTaxCalculationEnum', ['TaxExcluded', 'TaxInclusive', 'NotApplicable']);
const PRINT_STATUS = enumOf('PrintStatusEnum', ['NotSet', 'NeedToPrint', 'PrintComplete']);
const EMAIL_STATUS = enumOf('EmailStatusEnum', ['NotSet', 'NeedToSend', 'EmailSent']);
const SALES_LINES = ['SalesItemLineDetail', 'DescriptionOnly', 'DiscountLineDetail', 'SubTotalLineDetail'] as const;
const EXPENSE_LINES = ['ItemBasedExpenseLineDetail', 'AccountBasedExpenseLineDetail'] as const;

/** The opening every sales form shares, invoices included (fields.ts SALES_HEADER). */
const salesHeader = {
  ...transaction,
  CustomerRef: ref('Customer'),
  CustomerMemo: memo,
  BillAddr: address,
  ShipAddr: address,
  ShipFromAddr: address,
  FreeFormAddress: bool,
  ClassRef: ref('Class'),
  SalesTermRef: ref('Term'),
  DueDate: date,
};

/** The delivery and balance block every sales form carries, invoices included (fields.ts SALES_DELIVERY). */
const salesDelivery = {
  PrintStatus: PRINT_STATUS,
  EmailStatus: EMAIL_STATUS,
  BillEmail: email,
  BillEmailCc: email,
  BillEmailBcc: email,
  DeliveryInfo: any,
  Balance: ro(num),
  HomeBalance: ro(num),
  HomeTotalAmt: ro(num),
};

/** The SalesTransaction header credit memos and both receipts share (fields.ts SALES_FORM). */
const salesForm = {
  ...salesHeader,
  ShipMethodRef: freeRef,
  ShipDate: date,
  TrackingNum: str(31),
  GlobalTaxCalculation: GLOBAL_TAX,
  TaxExemptionRef: freeRef,
  ARAccountRef: ref('Account'),
  DepositToAccountRef: ref('Account'),
  PaymentMethodRef: ref('PaymentMethod'),
  PaymentRefNum: str(21),
  PaymentType: enumOf('PaymentTypeEnum', ['Cash', 'Check', 'CreditCard', 'Other']),
  CheckPayment: obj('CheckPayment', { CheckNum: str(), Status: str(), NameOnAcct: str(), AcctNum: str(), BankName: str() }),
  CreditCardPayment: any,
  ...salesDelivery,
  ApplyTaxAfterDiscount: bool,
};

const ACCOUNT_TYPES = [
  'Bank',
  'Other Current Asset',
  'Fixed Asset',
  'Other Asset',
  'Accounts Receivable',
  'Equity',
  'Expense',
  'Other Expense',
  'Cost of Goods Sold',
  'Accounts Payable',
  'Credit Card',
  'Long Term Liability',
  'Other Current Liability',
  'Income',
  'Other Income',
] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

export const ACCOUNT_CLASSIFICATION: Record<AccountType, string> = {
  Bank: 'Asset',
  'Other Current Asset': 'Asset',
  'Fixed Asset': 'Asset',
  'Other Asset': 'Asset',
  'Accounts Receivable': 'Asset',
  Equity: 'Equity',
  Expense: 'Expense',
  'Other Expense': 'Expense',
  'Cost of Goods Sold': 'Expense',
  'Accounts Payable': 'Liability',
  'Credit Card': 'Liability',
  'Long Term Liability': 'Liability',
  'Other Current Liability': 'Liability',
  Income: 'Revenue',
  'Other Income': 'Revenue',
};

export interface EntityDef {
  name: EntityName;
  /** Lower-case URL segment. */
  path: string;
  kind: 'name' | 'txn';
  fields: Record<string, Field>;
  /** Fields a query may filter or sort on (QBO refuses the others); dotted paths allowed. */
  queryable: string[];
  /** The field holding the entity's name, for uniqueness, "(deleted)" renames and ref names. */
  nameField?: 'DisplayName' | 'Name';
  /** Create is refused (TaxCode is read-only through the entity endpoint; reference §5.1). */
  readOnly?: boolean;
  /** Lines allowed on this transaction. */
  lineTypes?: readonly string[];
}

const META_Q = ['Id', 'MetaData.CreateTime', 'MetaData.LastUpdatedTime'];

/** Class and Department are one kind of list: a name that may sit under a parent of its own kind. */
function nestedNameList(name: 'Class' | 'Department', subFlag: 'SubClass' | 'SubDepartment'): EntityDef {
  return {
    name,
    path: name.toLowerCase(),
    kind: 'name',
    nameField: 'Name',
    fields: withBase(name, { ...common, Name: str(100), [subFlag]: bool, ParentRef: ref(name), FullyQualifiedName: ro(str()), Active: bool }),
    queryable: [...META_Q, 'Name', 'Active', 'FullyQualifiedName', subFlag, 'ParentRef'],
  };
}

export const ENTITIES: Record<EntityName, EntityDef> = {
  Vendor: {
    name: 'Vendor',
    path: 'vendor',
    kind: 'name',
    nameField: 'DisplayName',
    fields: withBase('Vendor', {
      ...common,
      ...person,
      TaxIdentifier: str(20),
      TermRef: ref('Term'),
      AcctNum: str(100),
      Vendor1099: bool,
      BillRate: num,
      CostRate: num,
      APAccountRef: ref('Account'),
      T4AEligible: bool,
      T5018Eligible: bool,
      HasTPAR: bool,
      TaxReportingBasis: str(),
      VendorPaymentBankDetail: any,
      OtherAddr: arr(address),
    }),
    queryable: [...META_Q, 'DisplayName', 'GivenName', 'MiddleName', 'FamilyName', 'CompanyName', 'PrimaryEmailAddr', 'Active', 'Balance', 'PrintOnCheckName'],
  },
  Customer: {
    name: 'Customer',
    path: 'customer',
    kind: 'name',
    nameField: 'DisplayName',
    fields: withBase('Customer', {
      ...common,
      ...person,
      FullyQualifiedName: ro(str()),
      ShipAddr: address,
      Notes: str(2000),
      Job: bool,
      BillWithParent: bool,
      ParentRef: ref('Customer'),
      Level: ro(num),
      SalesTermRef: ref('Term'),
      PaymentMethodRef: ref('PaymentMethod'),
      OpenBalanceDate: date,
      BalanceWithJobs: ro(num),
      PreferredDeliveryMethod: str(),
      ResaleNum: str(16),
      Taxable: bool,
      DefaultTaxCodeRef: ref('TaxCode'),
      TaxExemptionReasonId: str(),
      ARAccountRef: ref('Account'),
      PrimaryTaxIdentifier: str(),
      SecondaryTaxIdentifier: str(),
      IsProject: bool,
      ClientEntityId: str(),
      CustomerTypeRef: freeRef,
    }),
    queryable: [...META_Q, 'DisplayName', 'GivenName', 'MiddleName', 'FamilyName', 'CompanyName', 'FullyQualifiedName', 'PrimaryEmailAddr', 'Active', 'Balance', 'Job', 'PrintOnCheckName'],
  },
  Item: {
    name: 'Item',
    path: 'item',
    kind: 'name',
    nameField: 'Name',
    fields: withBase('Item', {
      ...common,
      Name: str(100),
      Sku: str(100),
      Description: str(4000),
      Active: bool,
      SubItem: bool,
      ParentRef: ref('Item'),
      Level: ro(num),
      FullyQualifiedName: ro(str()),
      Taxable: bool,
      SalesTaxIncluded: bool,
      UnitPrice: num,
      RatePercent: num,
      Type: enumOf('ItemTypeEnum', ['Inventory', 'Assembly', 'Service', 'NonInventory', 'Group', 'Category', 'Other Charge']),
      IncomeAccountRef: ref('Account'),
      PurchaseDesc: str(1000),
      PurchaseTaxIncluded: bool,
      PurchaseCost: num,
      ExpenseAccountRef: ref('Account'),
      AssetAccountRef: ref('Account'),
      PrefVendorRef: ref('Vendor'),
      TrackQtyOnHand: bool,
      QtyOnHand: num,
      QtyOnPurchaseOrder: ro(num),
      QtyOnSalesOrder: ro(num),
      InvStartDate: date,
      ReorderPoint: num,
      SalesTaxCodeRef: ref('TaxCode'),
      PurchaseTaxCodeRef: ref('TaxCode'),
      ClassRef: ref('Class'),
      Source: str(),
      AbatementRate: num,
      ReverseChargeRate: num,
      ServiceType: str(),
      ItemCategoryType: str(),
      TaxClassificationRef: freeRef,
      UQCDisplayText: str(),
      UQCId: str(),
      ItemGroupDetail: any,
      ItemAssemblyDetail: any,
    }),
    queryable: [...META_Q, 'Name', 'Active', 'Type', 'Sku', 'FullyQualifiedName', 'QtyOnHand', 'UnitPrice'],
  },
  Account: {
    name: 'Account',
    path: 'account',
    kind: 'name',
    nameField: 'Name',
    fields: withBase('Account', {
      ...common,
      Name: str(100),
      SubAccount: bool,
      ParentRef: ref('Account'),
      FullyQualifiedName: ro(str()),
      Description: str(100),
      Active: bool,
      Classification: ro(str()),
      AccountType: enumOf('AccountTypeEnum', ACCOUNT_TYPES),
      AccountSubType: str(),
      AcctNum: str(20),
      CurrentBalance: ro(num),
      CurrentBalanceWithSubAccounts: ro(num),
      CurrencyRef: currencyRef,
      TaxCodeRef: ref('TaxCode'),
      TxnLocationType: str(),
      AccountAlias: str(),
    }),
    queryable: [...META_Q, 'Name', 'SubAccount', 'ParentRef', 'Description', 'Active', 'Classification', 'FullyQualifiedName', 'AccountType', 'AccountSubType', 'AcctNum', 'CurrentBalance', 'CurrentBalanceWithSubAccounts'],
  },
  TaxCode: {
    name: 'TaxCode',
    path: 'taxcode',
    kind: 'name',
    nameField: 'Name',
    readOnly: true,
    fields: withBase('TaxCode', {
      ...common,
      Name: str(100),
      Description: str(100),
      Active: bool,
      Hidden: bool,
      Taxable: bool,
      TaxGroup: bool,
      SalesTaxRateList: any,
      PurchaseTaxRateList: any,
      AdjustmentTaxRateList: any,
      TaxCodeConfigType: str(),
    }),
    queryable: [...META_Q, 'Name', 'Active', 'Taxable', 'TaxGroup'],
  },
  PaymentMethod: {
    name: 'PaymentMethod',
    path: 'paymentmethod',
    kind: 'name',
    nameField: 'Name',
    fields: withBase('PaymentMethod', { ...common, Name: str(31), Active: bool, Type: enumOf('PaymentTypeEnum', ['CREDIT_CARD', 'NON_CREDIT_CARD']) }),
    queryable: [...META_Q, 'Name', 'Active', 'Type'],
  },
  Class: nestedNameList('Class', 'SubClass'),
  Department: nestedNameList('Department', 'SubDepartment'),
  Term: {
    name: 'Term',
    path: 'term',
    kind: 'name',
    nameField: 'Name',
    fields: withBase('Term', {
      ...common,
      Name: str(31),
      Active: bool,
      Type: enumOf('TermTypeEnum', ['STANDARD', 'DATE_DRIVEN']),
      DueDays: num,
      DiscountPercent: num,
      DiscountDays: num,
      DayOfMonthDue: num,
      DueNextMonthDays: num,
      DiscountDayOfMonth: num,
    }),
    queryable: [...META_Q, 'Name', 'Active', 'Type', 'DueDays'],
  },
  PurchaseOrder: {
    name: 'PurchaseOrder',
    path: 'purchaseorder',
    kind: 'txn',
    lineTypes: EXPENSE_LINES,
    fields: withBase('PurchaseOrder', {
      ...transaction,
      VendorRef: ref('Vendor'),
      APAccountRef: ref('Account'),
      ClassRef: ref('Class'),
      SalesTermRef: ref('Term'),
      GlobalTaxCalculation: GLOBAL_TAX,
      DueDate: date,
      POStatus: enumOf('PurchaseOrderStatusEnum', ['Open', 'Closed']),
      VendorAddr: address,
      ShipAddr: address,
      ShipTo: freeRef,
      ShipMethodRef: freeRef,
      POEmail: email,
      EmailStatus: EMAIL_STATUS,
      Memo: str(4000),
      // Set by the simulator when a client closes the PO itself, so a bill's link closing it is told apart.
      ManuallyClosed: ro(bool),
    }),
    queryable: [...META_Q, 'DocNumber', 'TxnDate', 'VendorRef', 'TotalAmt', 'POStatus', 'DueDate'],
  },
  Bill: {
    name: 'Bill',
    path: 'bill',
    kind: 'txn',
    lineTypes: EXPENSE_LINES,
    fields: withBase('Bill', {
      ...transaction,
      VendorRef: ref('Vendor'),
      APAccountRef: ref('Account'),
      SalesTermRef: ref('Term'),
      GlobalTaxCalculation: GLOBAL_TAX,
      DueDate: date,
      Balance: ro(num),
      HomeBalance: ro(num),
      VendorAddr: address,
      IncludeInAnnualTPAR: bool,
    }),
    queryable: [...META_Q, 'DocNumber', 'TxnDate', 'VendorRef', 'Balance', 'TotalAmt', 'DueDate', 'APAccountRef'],
  },
  Invoice: {
    name: 'Invoice',
    path: 'invoice',
    kind: 'txn',
    lineTypes: SALES_LINES,
    fields: withBase('Invoice', {
      ...salesHeader,
      GlobalTaxCalculation: GLOBAL_TAX,
      TaxExemptionRef: freeRef,
      ARAccountRef: ref('Account'),
      PaymentMethodRef: ref('PaymentMethod'),
      DepositToAccountRef: ref('Account'),
      Deposit: num,
      ShipMethodRef: freeRef,
      ShipDate: date,
      TrackingNum: str(31),
      ...salesDelivery,
      AllowIPNPayment: bool,
      AllowOnlinePayment: bool,
      AllowOnlineCreditCardPayment: bool,
      AllowOnlineACHPayment: bool,
      ApplyTaxAfterDiscount: bool,
      InvoiceLink: ro(str()),
    }),
    queryable: [...META_Q, 'DocNumber', 'TxnDate', 'CustomerRef', 'Balance', 'TotalAmt', 'DueDate'],
  },
  Payment: {
    name: 'Payment',
    path: 'payment',
    kind: 'txn',
    lineTypes: [],
    fields: withBase('Payment', {
      ...transaction,
      // A payment's total is what the customer paid: input, unlike the computed total of a bill or invoice.
      TotalAmt: num,
      CustomerRef: ref('Customer'),
      ARAccountRef: ref('Account'),
      DepositToAccountRef: ref('Account'),
      PaymentMethodRef: ref('PaymentMethod'),
      PaymentRefNum: str(21),
      CreditCardPayment: any,
      UnappliedAmt: ro(num),
      ProcessPayment: bool,
    }),
    queryable: [...META_Q, 'TxnDate', 'CustomerRef', 'TotalAmt', 'DocNumber', 'PaymentRefNum'],
  },
  BillPayment: {
    name: 'BillPayment',
    path: 'billpayment',
    kind: 'txn',
    lineTypes: [],
    fields: withBase('BillPayment', {
      ...transaction,
      // What was paid is input, as on a Payment; lines say which bills (and vendor credits) it settles.
      TotalAmt: num,
      VendorRef: ref('Vendor'),
      APAccountRef: ref('Account'),
      PayType: enumOf('BillPaymentTypeEnum', ['Check', 'CreditCard']),
      CheckPayment: obj('BillPaymentCheck', { BankAccountRef: ref('Account'), PrintStatus: PRINT_STATUS, PayeeAddr: address }),
      CreditCardPayment: obj('BillPaymentCreditCard', { CCAccountRef: ref('Account') }),
      ProcessBillPayment: bool,
    }),
    queryable: [...META_Q, 'DocNumber', 'TxnDate', 'VendorRef', 'TotalAmt', 'PayType'],
  },
  CreditMemo: {
    name: 'CreditMemo',
    path: 'creditmemo',
    kind: 'txn',
    lineTypes: SALES_LINES,
    fields: withBase('CreditMemo', { ...salesForm, InvoiceRef: ref('Invoice'), RemainingCredit: ro(num) }),
    queryable: [...META_Q, 'DocNumber', 'TxnDate', 'CustomerRef', 'TotalAmt', 'Balance', 'RemainingCredit'],
  },
  VendorCredit: {
    name: 'VendorCredit',
    path: 'vendorcredit',
    kind: 'txn',
    lineTypes: EXPENSE_LINES,
    fields: withBase('VendorCredit', {
      ...transaction,
      VendorRef: ref('Vendor'),
      APAccountRef: ref('Account'),
      GlobalTaxCalculation: GLOBAL_TAX,
      Balance: ro(num),
      IncludeInAnnualTPAR: bool,
    }),
    queryable: [...META_Q, 'DocNumber', 'TxnDate', 'VendorRef', 'TotalAmt', 'Balance'],
  },
  RefundReceipt: {
    name: 'RefundReceipt',
    path: 'refundreceipt',
    kind: 'txn',
    lineTypes: SALES_LINES,
    fields: withBase('RefundReceipt', salesForm),
    queryable: [...META_Q, 'DocNumber', 'TxnDate', 'CustomerRef', 'TotalAmt'],
  },
  SalesReceipt: {
    name: 'SalesReceipt',
    path: 'salesreceipt',
    kind: 'txn',
    lineTypes: SALES_LINES,
    fields: withBase('SalesReceipt', salesForm),
    queryable: [...META_Q, 'DocNumber', 'TxnDate', 'CustomerRef', 'TotalAmt'],
  },
};

export function isNameList(e: EntityName): e is NameListEntity {
  return (NAME_LIST_ENTITIES as readonly string[]).includes(e);
}

export function isTransaction(e: EntityName): e is TransactionEntity {
  return (TRANSACTION_ENTITIES as readonly string[]).includes(e);
}

export function entityByPath(path: string): EntityDef | undefined {
  return Object.values(ENTITIES).find((d) => d.path === path);
}

/** Query FROM names are case-insensitive in QBO. */
export function entityByName(name: string): EntityDef | undefined {
  return Object.values(ENTITIES).find((d) => d.name.toLowerCase() === name.toLowerCase());
}

/** Root schema for an entity, used by the binder and the query resolver. */
export function rootField(def: EntityDef): Field {
  return obj(def.name, def.fields);
}
