/**
 * The JSON properties the simulator's QBO entities accept, hand-written from the public QuickBooks Online v3 API
 * reference (the entity pages for the eighteen simulated entities, and `shared/reference/qbo-api.md` §2 and §5).
 * It covers the properties a sync tool reads and writes, not every regional or rarely used one. A property that is
 * not listed here is refused with 2010 "Unrecognized field", as QBO's binder refuses a property it does not know.
 *
 * Each entry maps a JSON property to its shape:
 * - a primitive kind: `string`, `number`, `boolean`, `date` (yyyy-mm-dd), `datetime` (ISO 8601 with offset) or
 *   `any` (accepted as sent, for structures the simulator does not model);
 * - the name of another type in this table (`ReferenceType` is `{ value, name, type }`);
 * - a `[]` suffix for a JSON array of that shape.
 *
 * Closed value sets (AccountType, Item Type, DetailType, statuses), reference targets, maximum lengths and
 * output-only properties are not this table's business: entities.ts lays them over it.
 */

/** What every entity carries; `sparse` is the update flag, `status` marks deleted stubs in CDC. */
const ENTITY = {
  Id: 'string',
  SyncToken: 'string',
  MetaData: 'ModificationMetaData',
  domain: 'string',
  sparse: 'boolean',
  status: 'string',
};

/** Customer and Vendor share the person/company name and contact block. */
const PARTY = {
  ...ENTITY,
  Title: 'string',
  GivenName: 'string',
  MiddleName: 'string',
  FamilyName: 'string',
  Suffix: 'string',
  DisplayName: 'string',
  CompanyName: 'string',
  PrintOnCheckName: 'string',
  Active: 'boolean',
  PrimaryPhone: 'TelephoneNumber',
  AlternatePhone: 'TelephoneNumber',
  Mobile: 'TelephoneNumber',
  Fax: 'TelephoneNumber',
  PrimaryEmailAddr: 'EmailAddress',
  WebAddr: 'WebSiteAddress',
  BillAddr: 'PhysicalAddress',
  OtherContactInfo: 'ContactInfo[]',
  Notes: 'string',
  CurrencyRef: 'ReferenceType',
  Balance: 'number',
  AcctNum: 'string',
  Source: 'string',
  V4IDPseudonym: 'string',
  BusinessNumber: 'string',
  GSTIN: 'string',
  GSTRegistrationType: 'string',
};

/** The header every simulated transaction shares. */
const TRANSACTION = {
  ...ENTITY,
  DocNumber: 'string',
  TxnDate: 'date',
  DepartmentRef: 'ReferenceType',
  CurrencyRef: 'ReferenceType',
  ExchangeRate: 'number',
  PrivateNote: 'string',
  TxnStatus: 'string',
  LinkedTxn: 'LinkedTxn[]',
  Line: 'Line[]',
  TxnTaxDetail: 'TxnTaxDetail',
  TotalAmt: 'number',
  TransactionLocationType: 'string',
  TxnSource: 'string',
  CustomField: 'CustomField[]',
  RecurDataRef: 'ReferenceType',
  ProjectRef: 'ReferenceType',
  AttachableRef: 'any[]',
};

/** The customer, addresses and terms every sales form opens with, invoices included. */
const SALES_HEADER = {
  ...TRANSACTION,
  CustomerRef: 'ReferenceType',
  CustomerMemo: 'MemoRef',
  BillAddr: 'PhysicalAddress',
  ShipAddr: 'PhysicalAddress',
  ShipFromAddr: 'PhysicalAddress',
  FreeFormAddress: 'boolean',
  ClassRef: 'ReferenceType',
  SalesTermRef: 'ReferenceType',
  DueDate: 'date',
};

/** The delivery and balance block every sales form carries, invoices included. */
const SALES_DELIVERY = {
  PrintStatus: 'string',
  EmailStatus: 'string',
  BillEmail: 'EmailAddress',
  BillEmailCc: 'EmailAddress',
  BillEmailBcc: 'EmailAddress',
  DeliveryInfo: 'EmailDeliveryInfo',
  Balance: 'number',
  HomeBalance: 'number',
  HomeTotalAmt: 'number',
};

/**
 * The SalesTransaction header credit memos and both receipts share with invoices (QBO binds them to one schema type,
 * so a property of any of them is accepted on each). The middle keeps its own order rather than the invoice's: length
 * and reference checks walk properties in table order, so the order decides which fault is reported first.
 */
const SALES_FORM = {
  ...SALES_HEADER,
  ShipMethodRef: 'ReferenceType',
  ShipDate: 'date',
  TrackingNum: 'string',
  GlobalTaxCalculation: 'string',
  TaxExemptionRef: 'ReferenceType',
  ARAccountRef: 'ReferenceType',
  DepositToAccountRef: 'ReferenceType',
  PaymentMethodRef: 'ReferenceType',
  PaymentRefNum: 'string',
  PaymentType: 'string',
  CheckPayment: 'CheckPayment',
  CreditCardPayment: 'CreditCardPayment',
  ...SALES_DELIVERY,
  ApplyTaxAfterDiscount: 'boolean',
};

/** What an item line carries on either side of the books: SalesItemLineDetail and ItemBasedExpenseLineDetail open alike. */
const ITEM_LINE = {
  ItemRef: 'ReferenceType',
  ClassRef: 'ReferenceType',
  UnitPrice: 'number',
  RatePercent: 'number',
  PriceLevelRef: 'ReferenceType',
  MarkupInfo: 'MarkupInfo',
  Qty: 'number',
  UOMRef: 'ReferenceType',
};

export const QBO_TYPES: Record<string, Record<string, string>> = {
  // ------------------------------------------------------------------------------------------------------------
  // Shared building blocks

  /** `{ "value": "<Id>", "name": "<display name>" }`, with an optional `type` (reference §2.7). */
  ReferenceType: { value: 'string', name: 'string', type: 'string' },

  ModificationMetaData: {
    CreateTime: 'datetime',
    LastUpdatedTime: 'datetime',
    CreatedByRef: 'ReferenceType',
    LastModifiedByRef: 'ReferenceType',
  },

  EmailAddress: { Id: 'string', Address: 'string', Default: 'boolean', Tag: 'string' },

  TelephoneNumber: {
    Id: 'string',
    FreeFormNumber: 'string',
    CountryCode: 'string',
    AreaCode: 'string',
    ExchangeCode: 'string',
    Extension: 'string',
    DeviceType: 'string',
    Default: 'boolean',
    Tag: 'string',
  },

  WebSiteAddress: { Id: 'string', URI: 'string', Default: 'boolean', Tag: 'string' },

  PhysicalAddress: {
    Id: 'string',
    Line1: 'string',
    Line2: 'string',
    Line3: 'string',
    Line4: 'string',
    Line5: 'string',
    City: 'string',
    County: 'string',
    CountrySubDivisionCode: 'string',
    PostalCode: 'string',
    PostalCodeSuffix: 'string',
    Country: 'string',
    CountryCode: 'string',
    Lat: 'string',
    Long: 'string',
    Tag: 'string',
    Note: 'string',
  },

  ContactInfo: { Type: 'string', Telephone: 'TelephoneNumber' },

  CustomField: {
    DefinitionId: 'string',
    Name: 'string',
    Type: 'string',
    StringValue: 'string',
    BooleanValue: 'boolean',
    NumberValue: 'number',
    DateValue: 'date',
  },

  MemoRef: { value: 'string', id: 'string' },

  LinkedTxn: { TxnId: 'string', TxnType: 'string', TxnLineId: 'string' },

  MarkupInfo: {
    PercentBased: 'boolean',
    Value: 'number',
    Percent: 'number',
    PriceLevelRef: 'ReferenceType',
    MarkUpIncomeAccountRef: 'ReferenceType',
  },

  EmailDeliveryInfo: { DeliveryType: 'string', DeliveryTime: 'datetime' },

  // ------------------------------------------------------------------------------------------------------------
  // Transaction lines and tax detail

  SalesItemLineDetail: {
    ...ITEM_LINE,
    ItemAccountRef: 'ReferenceType',
    InventorySiteRef: 'ReferenceType',
    TaxCodeRef: 'ReferenceType',
    TaxClassificationRef: 'ReferenceType',
    ServiceDate: 'date',
    TaxInclusiveAmt: 'number',
    DiscountRate: 'number',
    DiscountAmt: 'number',
  },

  ItemBasedExpenseLineDetail: {
    ...ITEM_LINE,
    TaxCodeRef: 'ReferenceType',
    CustomerRef: 'ReferenceType',
    BillableStatus: 'string',
    TaxInclusiveAmt: 'number',
  },

  AccountBasedExpenseLineDetail: {
    AccountRef: 'ReferenceType',
    ClassRef: 'ReferenceType',
    TaxCodeRef: 'ReferenceType',
    CustomerRef: 'ReferenceType',
    BillableStatus: 'string',
    MarkupInfo: 'MarkupInfo',
    TaxAmount: 'number',
    TaxInclusiveAmt: 'number',
  },

  /** The detail of a `DetailType: "DescriptionOnly"` line. */
  DescriptionLineDetail: { ServiceDate: 'date', TaxCodeRef: 'ReferenceType' },

  SubTotalLineDetail: { ItemRef: 'ReferenceType' },

  DiscountLineDetail: {
    PercentBased: 'boolean',
    DiscountPercent: 'number',
    DiscountAccountRef: 'ReferenceType',
    ClassRef: 'ReferenceType',
    TaxCodeRef: 'ReferenceType',
    DiscountRef: 'ReferenceType',
  },

  /** A bundle on a sales form: the group item and the lines it expands to. */
  GroupLineDetail: { GroupItemRef: 'ReferenceType', Quantity: 'number', Line: 'Line[]' },

  /** A line of TxnTaxDetail.TaxLine. */
  TaxLineDetail: {
    TaxRateRef: 'ReferenceType',
    PercentBased: 'boolean',
    TaxPercent: 'number',
    NetAmountTaxable: 'number',
    TaxInclusiveAmount: 'number',
    OverrideDeltaAmount: 'number',
  },

  /**
   * One line of a transaction. `DetailType` says which detail object is present; payment lines carry only Amount
   * and LinkedTxn.
   */
  Line: {
    Id: 'string',
    LineNum: 'number',
    Description: 'string',
    Amount: 'number',
    DetailType: 'string',
    LinkedTxn: 'LinkedTxn[]',
    SalesItemLineDetail: 'SalesItemLineDetail',
    ItemBasedExpenseLineDetail: 'ItemBasedExpenseLineDetail',
    AccountBasedExpenseLineDetail: 'AccountBasedExpenseLineDetail',
    DescriptionLineDetail: 'DescriptionLineDetail',
    SubTotalLineDetail: 'SubTotalLineDetail',
    DiscountLineDetail: 'DiscountLineDetail',
    GroupLineDetail: 'GroupLineDetail',
    TaxLineDetail: 'TaxLineDetail',
    ProjectRef: 'ReferenceType',
    Received: 'number',
    CustomField: 'CustomField[]',
    LineEx: 'any',
  },

  TxnTaxDetail: {
    TxnTaxCodeRef: 'ReferenceType',
    TotalTax: 'number',
    TaxLine: 'Line[]',
    DefaultTaxCodeRef: 'ReferenceType',
    UseAutomatedSalesTax: 'boolean',
  },

  CreditCardPayment: { CreditChargeInfo: 'any', CreditChargeResponse: 'any' },

  /** How a bill payment left the bank (`PayType: "Check"`). */
  BillPaymentCheck: { BankAccountRef: 'ReferenceType', PrintStatus: 'string', PayeeAddr: 'PhysicalAddress' },

  /** How a bill payment was charged (`PayType: "CreditCard"`). */
  BillPaymentCreditCard: { CCAccountRef: 'ReferenceType' },

  /** The check details of a refund paid by check. */
  CheckPayment: { CheckNum: 'string', Status: 'string', NameOnAcct: 'string', AcctNum: 'string', BankName: 'string' },

  // ------------------------------------------------------------------------------------------------------------
  // Name-list entities

  VendorPaymentBankDetail: {
    BankAccountName: 'string',
    BankBranchIdentifier: 'string',
    BankAccountNumber: 'string',
    StatementText: 'string',
  },

  Vendor: {
    ...PARTY,
    TaxIdentifier: 'string',
    TermRef: 'ReferenceType',
    APAccountRef: 'ReferenceType',
    Vendor1099: 'boolean',
    BillRate: 'number',
    CostRate: 'number',
    CreditLimit: 'number',
    T4AEligible: 'boolean',
    T5018Eligible: 'boolean',
    HasTPAR: 'boolean',
    TaxReportingBasis: 'string',
    VendorPaymentBankDetail: 'VendorPaymentBankDetail',
  },

  Customer: {
    ...PARTY,
    FullyQualifiedName: 'string',
    ShipAddr: 'PhysicalAddress',
    Job: 'boolean',
    BillWithParent: 'boolean',
    ParentRef: 'ReferenceType',
    Level: 'number',
    SalesTermRef: 'ReferenceType',
    PaymentMethodRef: 'ReferenceType',
    OpenBalanceDate: 'date',
    BalanceWithJobs: 'number',
    PreferredDeliveryMethod: 'string',
    ResaleNum: 'string',
    Taxable: 'boolean',
    DefaultTaxCodeRef: 'ReferenceType',
    TaxExemptionReasonId: 'string',
    ARAccountRef: 'ReferenceType',
    PrimaryTaxIdentifier: 'string',
    SecondaryTaxIdentifier: 'string',
    CustomerTypeRef: 'ReferenceType',
    IsProject: 'boolean',
    ClientEntityId: 'string',
  },

  ItemComponentLine: { ItemRef: 'ReferenceType', Qty: 'number' },
  ItemGroupDetail: { ItemGroupLine: 'ItemComponentLine[]' },
  ItemAssemblyDetail: { ItemAssemblyLine: 'ItemComponentLine[]' },

  Item: {
    ...ENTITY,
    Name: 'string',
    Sku: 'string',
    Description: 'string',
    Active: 'boolean',
    SubItem: 'boolean',
    ParentRef: 'ReferenceType',
    Level: 'number',
    FullyQualifiedName: 'string',
    Type: 'string',
    Taxable: 'boolean',
    SalesTaxIncluded: 'boolean',
    UnitPrice: 'number',
    RatePercent: 'number',
    IncomeAccountRef: 'ReferenceType',
    PurchaseDesc: 'string',
    PurchaseTaxIncluded: 'boolean',
    PurchaseCost: 'number',
    ExpenseAccountRef: 'ReferenceType',
    AssetAccountRef: 'ReferenceType',
    PrefVendorRef: 'ReferenceType',
    TrackQtyOnHand: 'boolean',
    QtyOnHand: 'number',
    QtyOnPurchaseOrder: 'number',
    QtyOnSalesOrder: 'number',
    InvStartDate: 'date',
    ReorderPoint: 'number',
    SalesTaxCodeRef: 'ReferenceType',
    PurchaseTaxCodeRef: 'ReferenceType',
    ClassRef: 'ReferenceType',
    Source: 'string',
    AbatementRate: 'number',
    ReverseChargeRate: 'number',
    ServiceType: 'string',
    ItemCategoryType: 'string',
    TaxClassificationRef: 'ReferenceType',
    UQCDisplayText: 'string',
    UQCId: 'string',
    ItemGroupDetail: 'ItemGroupDetail',
    ItemAssemblyDetail: 'ItemAssemblyDetail',
  },

  Account: {
    ...ENTITY,
    Name: 'string',
    SubAccount: 'boolean',
    ParentRef: 'ReferenceType',
    FullyQualifiedName: 'string',
    Description: 'string',
    Active: 'boolean',
    Classification: 'string',
    AccountType: 'string',
    AccountSubType: 'string',
    AcctNum: 'string',
    CurrentBalance: 'number',
    CurrentBalanceWithSubAccounts: 'number',
    CurrencyRef: 'ReferenceType',
    TaxCodeRef: 'ReferenceType',
    TxnLocationType: 'string',
    AccountAlias: 'string',
  },

  TaxRateDetail: {
    TaxRateRef: 'ReferenceType',
    TaxTypeApplicable: 'string',
    TaxOrder: 'number',
    TaxOnTaxOrder: 'number',
  },
  TaxRateList: { TaxRateDetail: 'TaxRateDetail[]' },

  TaxCode: {
    ...ENTITY,
    Name: 'string',
    Description: 'string',
    Active: 'boolean',
    Hidden: 'boolean',
    Taxable: 'boolean',
    TaxGroup: 'boolean',
    SalesTaxRateList: 'TaxRateList',
    PurchaseTaxRateList: 'TaxRateList',
    AdjustmentTaxRateList: 'TaxRateList',
    TaxCodeConfigType: 'string',
  },

  PaymentMethod: { ...ENTITY, Name: 'string', Active: 'boolean', Type: 'string' },

  Class: {
    ...ENTITY,
    Name: 'string',
    SubClass: 'boolean',
    ParentRef: 'ReferenceType',
    FullyQualifiedName: 'string',
    Active: 'boolean',
  },

  Department: {
    ...ENTITY,
    Name: 'string',
    SubDepartment: 'boolean',
    ParentRef: 'ReferenceType',
    FullyQualifiedName: 'string',
    Active: 'boolean',
  },

  Term: {
    ...ENTITY,
    Name: 'string',
    Active: 'boolean',
    Type: 'string',
    DueDays: 'number',
    DiscountPercent: 'number',
    DiscountDays: 'number',
    DayOfMonthDue: 'number',
    DueNextMonthDays: 'number',
    DiscountDayOfMonth: 'number',
  },

  // ------------------------------------------------------------------------------------------------------------
  // Transactions

  PurchaseOrder: {
    ...TRANSACTION,
    VendorRef: 'ReferenceType',
    APAccountRef: 'ReferenceType',
    ClassRef: 'ReferenceType',
    SalesTermRef: 'ReferenceType',
    GlobalTaxCalculation: 'string',
    DueDate: 'date',
    POStatus: 'string',
    VendorAddr: 'PhysicalAddress',
    ShipAddr: 'PhysicalAddress',
    ShipTo: 'ReferenceType',
    ShipMethodRef: 'ReferenceType',
    POEmail: 'EmailAddress',
    EmailStatus: 'string',
    Memo: 'string',
    ManuallyClosed: 'boolean',
  },

  Bill: {
    ...TRANSACTION,
    VendorRef: 'ReferenceType',
    APAccountRef: 'ReferenceType',
    SalesTermRef: 'ReferenceType',
    GlobalTaxCalculation: 'string',
    DueDate: 'date',
    Balance: 'number',
    HomeBalance: 'number',
    VendorAddr: 'PhysicalAddress',
    IncludeInAnnualTPAR: 'boolean',
  },

  Invoice: {
    ...SALES_HEADER,
    GlobalTaxCalculation: 'string',
    TaxExemptionRef: 'ReferenceType',
    ARAccountRef: 'ReferenceType',
    PaymentMethodRef: 'ReferenceType',
    DepositToAccountRef: 'ReferenceType',
    Deposit: 'number',
    ShipMethodRef: 'ReferenceType',
    ShipDate: 'date',
    TrackingNum: 'string',
    ...SALES_DELIVERY,
    AllowIPNPayment: 'boolean',
    AllowOnlinePayment: 'boolean',
    AllowOnlineCreditCardPayment: 'boolean',
    AllowOnlineACHPayment: 'boolean',
    ApplyTaxAfterDiscount: 'boolean',
    InvoiceLink: 'string',
  },

  Payment: {
    ...TRANSACTION,
    CustomerRef: 'ReferenceType',
    ARAccountRef: 'ReferenceType',
    DepositToAccountRef: 'ReferenceType',
    PaymentMethodRef: 'ReferenceType',
    PaymentRefNum: 'string',
    CreditCardPayment: 'CreditCardPayment',
    UnappliedAmt: 'number',
    ProcessPayment: 'boolean',
  },

  /** Lines carry only Amount and LinkedTxn (to a Bill or a VendorCredit), as payment lines do. */
  BillPayment: {
    ...TRANSACTION,
    VendorRef: 'ReferenceType',
    APAccountRef: 'ReferenceType',
    PayType: 'string',
    CheckPayment: 'BillPaymentCheck',
    CreditCardPayment: 'BillPaymentCreditCard',
    ProcessBillPayment: 'boolean',
  },

  /** A credit memo's lines are an invoice's; InvoiceRef names the invoice it credits (informational, India GST). */
  CreditMemo: { ...SALES_FORM, InvoiceRef: 'ReferenceType', RemainingCredit: 'number' },

  VendorCredit: {
    ...TRANSACTION,
    VendorRef: 'ReferenceType',
    APAccountRef: 'ReferenceType',
    GlobalTaxCalculation: 'string',
    Balance: 'number',
    IncludeInAnnualTPAR: 'boolean',
  },

  RefundReceipt: { ...SALES_FORM },

  SalesReceipt: { ...SALES_FORM },
};
