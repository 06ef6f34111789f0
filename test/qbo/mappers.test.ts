import { describe, expect, it } from 'vitest';
import type { AwraRecord, AwraRecordOf } from '../../domain/records.ts';
import { refKey, requiredReferences } from '../../domain/required-mappings.ts';
import {
  QBO_DOC_NUMBER_MAX,
  creditApplicationPayload,
  duplicateLookupQuery,
  qboDocNumber,
  qboEntityFor,
  toQboPayload,
} from '../../qbo/mappers.ts';
import type { ResolvedRef } from '../../qbo/mappers.ts';
import { parseQuery } from '../../simulator/query.ts';
import { RECORD_TYPES } from '../../domain/vocabulary.ts';
import { isOurs } from '../../domain/duplicates.ts';
import {
  bill,
  billPayment,
  creditNote,
  customer,
  inventoryItem,
  invoice,
  parseRecord,
  payment,
  purchaseOrder,
  refund,
  vendor,
  vendorCredit,
  withData,
} from '../fixtures/sample-records.ts';

/** Resolves every ref the record needs to a fake QBO id, so tests exercise exactly what the workflow would supply. */
function refsFor(rec: AwraRecord, extra: Record<string, ResolvedRef> = {}): Map<string, ResolvedRef> {
  const map = new Map<string, ResolvedRef>();
  for (const r of requiredReferences(rec)) map.set(refKey(r.kind, r.key), { qboId: `q-${r.kind}-${r.key}` });
  for (const [k, v] of Object.entries(extra)) map.set(k, v);
  return map;
}

describe('qboEntityFor', () => {
  it('names the QuickBooks entity for every record type', () => {
    expect(RECORD_TYPES.map(qboEntityFor)).toEqual([
      'Vendor',
      'Customer',
      'Item',
      'PurchaseOrder',
      'Bill',
      'Invoice',
      'Payment',
      'BillPayment',
      'CreditMemo',
      'VendorCredit',
      'RefundReceipt',
    ]);
  });
});

describe('toQboPayload', () => {
  it('maps a vendor with contact details, tax number, currency and the AWRA trace in Notes', () => {
    expect(toQboPayload(vendor, refsFor(vendor))).toEqual({
      entity: 'Vendor',
      body: {
        DisplayName: "O'Brien Supplies",
        Active: true,
        PrimaryEmailAddr: { Address: 'ap@obrien.example' },
        PrimaryPhone: { FreeFormNumber: '+254700000000' },
        TaxIdentifier: 'P051234567X',
        CurrencyRef: { value: 'KES' },
        Notes: 'AWRA V-0007 (src ven-7 v3)',
      },
    });
  });

  it('maps a customer and leaves out contact fields AWRA did not send', () => {
    expect(toQboPayload(customer, refsFor(customer))).toEqual({
      entity: 'Customer',
      body: { DisplayName: 'Zed Ltd', Active: true, CurrencyRef: { value: 'USD' }, Notes: 'AWRA C-0001 (src cus-1 v3)' },
    });
  });

  it('maps an inventory item with quantity, start date, asset account and tax code', () => {
    const refs = refsFor(inventoryItem, { 'account:4000': { qboId: '79', name: 'Sales of Product Income' } });
    expect(toQboPayload(inventoryItem, refs)).toEqual({
      entity: 'Item',
      body: {
        Name: 'Widget',
        Sku: 'SKU-123',
        Type: 'Inventory',
        Active: true,
        UnitPrice: 19.99,
        IncomeAccountRef: { value: '79', name: 'Sales of Product Income' },
        ExpenseAccountRef: { value: 'q-account-5100' },
        TrackQtyOnHand: true,
        QtyOnHand: 12,
        InvStartDate: '2026-01-01',
        AssetAccountRef: { value: 'q-account-1300' },
        SalesTaxCodeRef: { value: 'q-tax_code-VAT16' },
      },
    });
  });

  it('maps service and non-inventory items without inventory fields', () => {
    for (const [kind, type] of [['service', 'Service'], ['non_inventory', 'NonInventory']] as const) {
      const item = parseRecord({
        recordType: 'item',
        sourceId: `it-${kind}`,
        number: `ITEM-${kind}`,
        status: 'approved',
        data: { sku: 'S', name: `N ${kind}`, kind, unitPrice: 5000, incomeAccount: '4000', expenseAccount: '5000' },
      });
      const { body } = toQboPayload(item, refsFor(item), { homeCurrency: 'KES' });
      expect(body.Type).toBe(type);
      expect(body.UnitPrice).toBe(50);
      expect(body).not.toHaveProperty('QtyOnHand');
      expect(body).not.toHaveProperty('AssetAccountRef');
      expect(body).not.toHaveProperty('SalesTaxCodeRef');
    }
  });

  it('prices an item without its own currency in the home currency', () => {
    const item = parseRecord({
      recordType: 'item',
      sourceId: 'it-ugx',
      number: 'ITEM-UGX',
      status: 'approved',
      data: { sku: 'U', name: 'U', kind: 'service', unitPrice: 15000, incomeAccount: '4000', expenseAccount: '5000' },
    });
    expect(toQboPayload(item, refsFor(item), { homeCurrency: 'UGX' }).body.UnitPrice).toBe(15000);
  });

  it('refuses an inventory item that skipped readiness', () => {
    const item = parseRecord({
      recordType: 'item',
      sourceId: 'it-bad',
      number: 'ITEM-BAD',
      status: 'approved',
      data: { sku: 'B', name: 'B', kind: 'inventory', unitPrice: 1, incomeAccount: '4000', expenseAccount: '5000' },
    });
    expect(() => toQboPayload(item, refsFor(item))).toThrow(/inventory item/);
  });

  it('maps a purchase order with item-based lines, the branch as class and the AWRA number as DocNumber', () => {
    expect(toQboPayload(purchaseOrder, refsFor(purchaseOrder))).toEqual({
      entity: 'PurchaseOrder',
      body: {
        VendorRef: { value: 'q-vendor-ven-7' },
        TxnDate: '2026-03-01',
        DocNumber: 'PO-2026-0042',
        PrivateNote: 'AWRA PO-2026-0042 (src po-42 v3)',
        CurrencyRef: { value: 'KES' },
        Line: [
          {
            LineNum: 1,
            Description: 'Widgets',
            Amount: 59.97,
            DetailType: 'ItemBasedExpenseLineDetail',
            ItemBasedExpenseLineDetail: {
              ItemRef: { value: 'q-item-it-9' },
              Qty: 3,
              UnitPrice: 19.99,
              TaxCodeRef: { value: 'q-tax_code-VAT16' },
              ClassRef: { value: 'q-category-NBO' },
            },
          },
        ],
      },
    });
  });

  it('maps a bill with an account-based line and an item-based line', () => {
    const { entity, body } = toQboPayload(bill, refsFor(bill));
    expect(entity).toBe('Bill');
    expect(body).toMatchObject({
      VendorRef: { value: 'q-vendor-ven-7' },
      TxnDate: '2026-03-01',
      DueDate: '2026-03-31',
      DocNumber: 'BILL-2026-0001',
      PrivateNote: 'AWRA BILL-2026-0001 (src bill-1 v3)',
    });
    expect(body.Line).toEqual([
      {
        LineNum: 1,
        Description: 'Fuel',
        Amount: 10,
        DetailType: 'AccountBasedExpenseLineDetail',
        AccountBasedExpenseLineDetail: {
          AccountRef: { value: 'q-account-6100' },
          TaxCodeRef: { value: 'q-tax_code-EXEMPT' },
          ClassRef: { value: 'q-category-OPS' },
        },
      },
      {
        LineNum: 2,
        Amount: 39.98,
        DetailType: 'ItemBasedExpenseLineDetail',
        ItemBasedExpenseLineDetail: {
          ItemRef: { value: 'q-item-it-9' },
          Qty: 2,
          UnitPrice: 19.99,
          TaxCodeRef: { value: 'q-tax_code-VAT16' },
        },
      },
    ]);
  });

  it('maps an invoice with sales item lines and the line category as class', () => {
    const { entity, body } = toQboPayload(invoice, refsFor(invoice));
    expect(entity).toBe('Invoice');
    expect(body).toMatchObject({ CustomerRef: { value: 'q-customer-cus-1' }, DueDate: '2026-03-31', DocNumber: 'INV-2026-0001' });
    expect(body.Line).toEqual([
      {
        LineNum: 1,
        Amount: 19.99,
        DetailType: 'SalesItemLineDetail',
        SalesItemLineDetail: {
          ItemRef: { value: 'q-item-it-9' },
          Qty: 1,
          UnitPrice: 19.99,
          TaxCodeRef: { value: 'q-tax_code-VAT16' },
          ClassRef: { value: 'q-category-RETAIL' },
        },
      },
    ]);
  });

  it('maps a payment to its method, clearing account and the QBO ids of the invoices it pays', () => {
    const refs = refsFor(payment, { 'invoice:inv-1': { qboId: '130' } });
    expect(toQboPayload(payment, refs)).toEqual({
      entity: 'Payment',
      body: {
        CustomerRef: { value: 'q-customer-cus-1' },
        TxnDate: '2026-03-05',
        TotalAmt: 25,
        PaymentRefNum: 'RCPT-2026-0001',
        PrivateNote: 'AWRA RCPT-2026-0001 (src pay-1 v3); M-Pesa reference QX12ABC',
        CurrencyRef: { value: 'KES' },
        PaymentMethodRef: { value: 'q-payment_method-mpesa' },
        DepositToAccountRef: { value: 'q-account-clearing:mpesa' },
        Line: [{ Amount: 19.99, LinkedTxn: [{ TxnId: '130', TxnType: 'Invoice' }] }],
      },
    });
  });

  it('sends an unapplied payment without lines', () => {
    const unapplied = parseRecord({
      recordType: 'payment',
      sourceId: 'pay-2',
      number: 'RCPT-2',
      data: { customerId: 'cus-1', txnDate: '2026-03-05', currency: 'KES', amount: 100, method: 'cash', appliedTo: [] },
    });
    expect(toQboPayload(unapplied, refsFor(unapplied)).body).not.toHaveProperty('Line');
  });

  it('needs exactly the references requiredReferences lists', () => {
    for (const rec of [vendor, customer, inventoryItem, purchaseOrder, bill, invoice, payment, billPayment, creditNote, vendorCredit, refund, withData(bill, { purchaseOrderId: 'po-42' })]) {
      expect(() => toQboPayload(rec, refsFor(rec))).not.toThrow();
    }
  });

  it('throws a clear error naming every missing reference', () => {
    const refs = refsFor(invoice);
    refs.delete('tax_code:VAT16');
    refs.delete('category:RETAIL');
    expect(() => toQboPayload(invoice, refs)).toThrow(
      'cannot build the QuickBooks Invoice for invoice INV-2026-0001: no QuickBooks reference for tax_code:VAT16, category:RETAIL',
    );
  });
});

describe('the payloads of bill payments, credit notes, vendor credits and refunds', () => {
  it('maps a bank bill payment to a Check payment from the bank account, linked to the QuickBooks ids of its bills', () => {
    const refs = refsFor(billPayment, { 'bill:bill-1': { qboId: '145' }, 'account:1010': { qboId: '35', name: 'Checking' } });
    expect(toQboPayload(billPayment, refs)).toEqual({
      entity: 'BillPayment',
      body: {
        VendorRef: { value: 'q-vendor-ven-7' },
        TxnDate: '2026-03-10',
        DocNumber: 'BP-2026-0001',
        PrivateNote: 'AWRA BP-2026-0001 (src bp-1 v3); Bank transfer reference FT26069ABC',
        CurrencyRef: { value: 'KES' },
        TotalAmt: 49.98,
        PayType: 'Check',
        CheckPayment: { BankAccountRef: { value: '35', name: 'Checking' } },
        Line: [{ Amount: 49.98, LinkedTxn: [{ TxnId: '145', TxnType: 'Bill' }] }],
      },
    });
  });

  it('pays by cheque, M-Pesa and cash from the bank account too, and by card from the card account', () => {
    for (const method of ['cheque', 'mpesa', 'cash'] as const) {
      const { body } = toQboPayload(withData(billPayment, { method }), refsFor(withData(billPayment, { method })));
      expect(body).toMatchObject({ PayType: 'Check', CheckPayment: { BankAccountRef: { value: 'q-account-1010' } } });
      expect(body).not.toHaveProperty('CreditCardPayment');
    }
    const byCard = withData(billPayment, { method: 'card', bankAccount: '2100', reference: undefined });
    const { body } = toQboPayload(byCard, refsFor(byCard));
    expect(body).toMatchObject({ PayType: 'CreditCard', CreditCardPayment: { CCAccountRef: { value: 'q-account-2100' } }, PrivateNote: 'AWRA BP-2026-0001 (src bp-1 v3)' });
    expect(body).not.toHaveProperty('CheckPayment');
    expect(body).not.toHaveProperty('PaymentMethodRef');
  });

  it('sends a line per bill a payment is applied to, and the whole amount as TotalAmt', () => {
    const two = withData(billPayment, { amount: 6000, appliedTo: [{ billId: 'bill-1', amount: 4998 }, { billId: 'bill-2', amount: 1002 }] });
    const { body } = toQboPayload(two, refsFor(two));
    expect(body.TotalAmt).toBe(60);
    expect(body.Line).toEqual([
      { Amount: 49.98, LinkedTxn: [{ TxnId: 'q-bill-bill-1', TxnType: 'Bill' }] },
      { Amount: 10.02, LinkedTxn: [{ TxnId: 'q-bill-bill-2', TxnType: 'Bill' }] },
    ]);
  });

  it('maps a credit note to a CreditMemo with sales lines and no due date', () => {
    expect(toQboPayload(creditNote, refsFor(creditNote))).toEqual({
      entity: 'CreditMemo',
      body: {
        CustomerRef: { value: 'q-customer-cus-1' },
        TxnDate: '2026-03-12',
        DocNumber: 'CN-2026-0001',
        PrivateNote: 'AWRA CN-2026-0001 (src cn-1 v3)',
        CurrencyRef: { value: 'KES' },
        Line: [
          {
            LineNum: 1,
            Description: 'Returned widget',
            Amount: 19.99,
            DetailType: 'SalesItemLineDetail',
            SalesItemLineDetail: { ItemRef: { value: 'q-item-it-9' }, Qty: 1, UnitPrice: 19.99, TaxCodeRef: { value: 'q-tax_code-VAT16' } },
          },
        ],
      },
    });
  });

  it('applies a credit note to its invoices with a Payment of zero linking the invoices and the credit memo', () => {
    const twoInvoices = withData(creditNote, {
      appliedTo: [{ invoiceId: 'inv-1', amount: 1000 }, { invoiceId: 'inv-2', amount: 999 }],
    }) as AwraRecordOf<'credit_note'>;
    expect(creditApplicationPayload(twoInvoices, '210', refsFor(twoInvoices, { 'invoice:inv-1': { qboId: '130' } }))).toEqual({
      entity: 'Payment',
      body: {
        CustomerRef: { value: 'q-customer-cus-1' },
        TxnDate: '2026-03-12',
        TotalAmt: 0,
        PaymentRefNum: 'CN-2026-0001',
        PrivateNote: 'AWRA CN-2026-0001 (src cn-1 v3); applies credit note CN-2026-0001 to its invoices',
        CurrencyRef: { value: 'KES' },
        Line: [
          { Amount: 10, LinkedTxn: [{ TxnId: '130', TxnType: 'Invoice' }] },
          { Amount: 9.99, LinkedTxn: [{ TxnId: 'q-invoice-inv-2', TxnType: 'Invoice' }] },
          { Amount: 19.99, LinkedTxn: [{ TxnId: '210', TxnType: 'CreditMemo' }] },
        ],
      },
    });
    const unapplied = withData(creditNote, { appliedTo: undefined }) as AwraRecordOf<'credit_note'>;
    expect(creditApplicationPayload(unapplied, '210', refsFor(unapplied))).toBeNull();
  });

  it('maps a vendor credit to a VendorCredit with an account-based and an item-based line', () => {
    const { entity, body } = toQboPayload(vendorCredit, refsFor(vendorCredit));
    expect(entity).toBe('VendorCredit');
    expect(body).toEqual({
      VendorRef: { value: 'q-vendor-ven-7' },
      TxnDate: '2026-03-15',
      DocNumber: 'VC-2026-0001',
      PrivateNote: 'AWRA VC-2026-0001 (src vc-1 v3)',
      CurrencyRef: { value: 'KES' },
      Line: [
        {
          LineNum: 1,
          Description: 'Fuel overcharge',
          Amount: 10,
          DetailType: 'AccountBasedExpenseLineDetail',
          AccountBasedExpenseLineDetail: { AccountRef: { value: 'q-account-6100' }, TaxCodeRef: { value: 'q-tax_code-EXEMPT' } },
        },
        {
          LineNum: 2,
          Amount: 19.99,
          DetailType: 'ItemBasedExpenseLineDetail',
          ItemBasedExpenseLineDetail: { ItemRef: { value: 'q-item-it-9' }, TaxCodeRef: { value: 'q-tax_code-VAT16' } },
        },
      ],
    });
  });

  it('maps a refund to a RefundReceipt paid out of the bank account, by its payment method', () => {
    expect(toQboPayload(refund, refsFor(refund))).toEqual({
      entity: 'RefundReceipt',
      body: {
        CustomerRef: { value: 'q-customer-cus-1' },
        TxnDate: '2026-03-20',
        DocNumber: 'RF-2026-0001',
        PrivateNote: 'AWRA RF-2026-0001 (src rf-1 v3)',
        CurrencyRef: { value: 'KES' },
        PaymentMethodRef: { value: 'q-payment_method-mpesa' },
        DepositToAccountRef: { value: 'q-account-1020' },
        Line: [
          {
            LineNum: 1,
            Amount: 19.99,
            DetailType: 'SalesItemLineDetail',
            SalesItemLineDetail: { ItemRef: { value: 'q-item-it-9' }, Qty: 1, UnitPrice: 19.99, TaxCodeRef: { value: 'q-tax_code-VAT16' } },
          },
        ],
      },
    });
  });

  it('links a bill to the QuickBooks id of its purchase order', () => {
    const fromPo = withData(bill, { purchaseOrderId: 'po-42' });
    const { body } = toQboPayload(fromPo, refsFor(fromPo, { 'purchase_order:po-42': { qboId: '77' } }));
    expect(body.LinkedTxn).toEqual([{ TxnId: '77', TxnType: 'PurchaseOrder' }]);
    expect(toQboPayload(bill, refsFor(bill)).body).not.toHaveProperty('LinkedTxn');
  });

  it('refuses to map a bill whose purchase order has not resolved', () => {
    const fromPo = withData(bill, { purchaseOrderId: 'po-42' });
    const refs = refsFor(fromPo);
    refs.delete('purchase_order:po-42');
    expect(() => toQboPayload(fromPo, refs)).toThrow('no QuickBooks reference for purchase_order:po-42');
  });
});

describe('exchange rate', () => {
  const multi = { homeCurrency: 'KES', multicurrency: true };
  const inUsd = (rec: AwraRecord, exchangeRate?: string) => withData(rec, { currency: 'USD', ...(exchangeRate ? { exchangeRate } : {}) });

  it('sends ExchangeRate with a foreign-currency transaction to a multicurrency company', () => {
    for (const rec of [purchaseOrder, bill, invoice, payment, billPayment, creditNote, vendorCredit, refund]) {
      const usd = inUsd(rec, '129.5');
      const { body } = toQboPayload(usd, refsFor(usd), multi);
      expect(body).toMatchObject({ CurrencyRef: { value: 'USD' }, ExchangeRate: 129.5 });
    }
  });

  it('sends a small rate exactly', () => {
    const usd = withData(bill, { currency: 'KES', exchangeRate: '0.0077220077' });
    const { body } = toQboPayload(usd, refsFor(usd), { homeCurrency: 'USD', multicurrency: true });
    expect(JSON.stringify(body.ExchangeRate)).toBe('0.0077220077');
  });

  it('sends no ExchangeRate in the home currency, without multicurrency, or when the home currency is unknown', () => {
    const kesWithRate = withData(bill, { exchangeRate: '1' });
    expect(toQboPayload(kesWithRate, refsFor(kesWithRate), multi).body).not.toHaveProperty('ExchangeRate');
    const usd = inUsd(bill, '129.5');
    expect(toQboPayload(usd, refsFor(usd), {}).body).not.toHaveProperty('ExchangeRate');
    expect(toQboPayload(usd, refsFor(usd), { homeCurrency: 'USD', multicurrency: false }).body).not.toHaveProperty('ExchangeRate');
    const usdNoRate = inUsd(bill);
    expect(toQboPayload(usdNoRate, refsFor(usdNoRate), multi).body).not.toHaveProperty('ExchangeRate');
  });

  it('refuses a rate of zero that skipped readiness', () => {
    const zero = inUsd(invoice, '0');
    expect(() => toQboPayload(zero, refsFor(zero), multi)).toThrow(/readiness must block it/);
  });
});

describe('money in payloads', () => {
  const invoiceIn = (currency: string, unitPrice: number, qty = 1) =>
    parseRecord({
      recordType: 'invoice',
      sourceId: `inv-${currency}`,
      number: `INV-${currency}`,
      data: {
        customerId: 'cus-1',
        txnDate: '2026-03-01',
        dueDate: '2026-03-31',
        currency,
        total: unitPrice * qty,
        lines: [{ itemId: 'it-9', qty, unitPrice, amount: unitPrice * qty, taxCategory: 'VAT16' }],
      },
    });

  const firstLine = (rec: AwraRecord) => (toQboPayload(rec, refsFor(rec)).body.Line as Array<Record<string, any>>)[0]!;

  it('sends 1999 KES minor units as 19.99 and serialises it exactly', () => {
    const line = firstLine(invoiceIn('KES', 1999));
    expect(line.Amount).toBe(19.99);
    expect(JSON.stringify(line.Amount)).toBe('19.99');
  });

  it('sends zero-exponent currencies unchanged', () => {
    expect(firstLine(invoiceIn('UGX', 15000)).Amount).toBe(15000);
    expect(firstLine(invoiceIn('JPY', 1999)).SalesItemLineDetail.UnitPrice).toBe(1999);
  });

  it('sends three-decimal currencies with three decimals', () => {
    expect(JSON.stringify(firstLine(invoiceIn('KWD', 12345)).Amount)).toBe('12.345');
  });

  it('keeps amounts that floating-point arithmetic would round badly', () => {
    expect(JSON.stringify(firstLine(invoiceIn('USD', 10, 3)).Amount)).toBe('0.3');
    expect(JSON.stringify(firstLine(invoiceIn('USD', 123456789012)).Amount)).toBe('1234567890.12');
  });

  it('sends the largest amount AWRA accepts exactly', () => {
    expect(JSON.stringify(firstLine(invoiceIn('USD', 999_999_999_999_999)).Amount)).toBe('9999999999999.99');
    expect(JSON.stringify(firstLine(invoiceIn('KWD', 999_999_999_999_999)).Amount)).toBe('999999999999.999');
  });
});

describe('currency', () => {
  it('omits CurrencyRef for a single-currency company in its home currency', () => {
    expect(toQboPayload(invoice, refsFor(invoice), { homeCurrency: 'KES', multicurrency: false }).body).not.toHaveProperty('CurrencyRef');
  });

  it('refuses a foreign currency for a single-currency company', () => {
    expect(() => toQboPayload(invoice, refsFor(invoice), { homeCurrency: 'USD', multicurrency: false })).toThrow(/only in USD/);
  });

  it('sends CurrencyRef for a multicurrency company', () => {
    expect(toQboPayload(invoice, refsFor(invoice), { homeCurrency: 'USD', multicurrency: true }).body.CurrencyRef).toEqual({ value: 'KES' });
  });
});

describe('DocNumber', () => {
  it('keeps numbers of up to 21 characters as they are', () => {
    expect(qboDocNumber('INV-2026-000000000001')).toBe('INV-2026-000000000001');
  });

  it('shortens longer numbers to 21 characters, deterministically and distinctly, keeping the full number in the note', () => {
    const long = 'INV-NAIROBI-WEST-2026-000123';
    const other = 'INV-NAIROBI-WEST-2026-000124';
    const short = qboDocNumber(long);
    expect(short).toHaveLength(QBO_DOC_NUMBER_MAX);
    expect(short.startsWith('INV-NAIROBI-WE~')).toBe(true);
    expect(qboDocNumber(long)).toBe(short);
    expect(qboDocNumber(other)).not.toBe(short);

    const rec = parseRecord({ ...invoice, number: long, data: invoice.data });
    const { body } = toQboPayload(rec, refsFor(rec));
    expect(body.DocNumber).toBe(short);
    expect(body.PrivateNote).toBe(`AWRA ${long} (src inv-1 v3)`);
  });
});

describe('duplicateLookupQuery', () => {
  it('looks vendors and customers up by DisplayName, escaping quotes with a backslash', () => {
    expect(duplicateLookupQuery(vendor)).toEqual({ entity: 'Vendor', query: "select * from Vendor where DisplayName = 'O\\'Brien Supplies'" });
    expect(duplicateLookupQuery(customer)).toEqual({ entity: 'Customer', query: "select * from Customer where DisplayName = 'Zed Ltd'" });
  });

  it('looks items up by Name', () => {
    expect(duplicateLookupQuery(inventoryItem)).toEqual({ entity: 'Item', query: "select * from Item where Name = 'Widget'" });
  });

  it('looks transactions up by the DocNumber the payload sends', () => {
    expect(duplicateLookupQuery(bill)).toEqual({ entity: 'Bill', query: "select * from Bill where DocNumber = 'BILL-2026-0001'" });
    expect(duplicateLookupQuery(purchaseOrder).query).toBe("select * from PurchaseOrder where DocNumber = 'PO-2026-0042'");
    const long = parseRecord({ ...invoice, number: "INV-O'BRIEN-2026-0000001" });
    expect(duplicateLookupQuery(long).query).toBe(`select * from Invoice where DocNumber = '${qboDocNumber(long.number).replace(/'/g, "\\'")}'`);
  });

  it('looks bill payments, credit memos, vendor credits and refund receipts up by DocNumber', () => {
    expect([billPayment, creditNote, vendorCredit, refund].map(duplicateLookupQuery)).toEqual([
      { entity: 'BillPayment', query: "select * from BillPayment where DocNumber = 'BP-2026-0001'" },
      { entity: 'CreditMemo', query: "select * from CreditMemo where DocNumber = 'CN-2026-0001'" },
      { entity: 'VendorCredit', query: "select * from VendorCredit where DocNumber = 'VC-2026-0001'" },
      { entity: 'RefundReceipt', query: "select * from RefundReceipt where DocNumber = 'RF-2026-0001'" },
    ]);
  });

  it('leaves in every new payload the audit note by which an entity is recognised as ours', () => {
    for (const rec of [billPayment, creditNote, vendorCredit, refund]) {
      const { body } = toQboPayload(rec, refsFor(rec));
      expect(isOurs(rec, body)).toBe(true);
      expect(isOurs({ ...rec, sourceId: 'other' } as AwraRecord, body)).toBe(false);
    }
  });

  it('looks payments up by PaymentRefNum', () => {
    expect(duplicateLookupQuery(payment)).toEqual({ entity: 'Payment', query: "select * from Payment where PaymentRefNum = 'RCPT-2026-0001'" });
  });

  it('escapes backslashes as well as quotes, so a name ending in a backslash cannot end the literal early', () => {
    const named = (displayName: string) => withData(vendor, { displayName });
    expect(duplicateLookupQuery(named('Tools\\')).query).toBe("select * from Vendor where DisplayName = 'Tools\\\\'");
    expect(duplicateLookupQuery(named("C:\\Acme\\'s")).query).toBe("select * from Vendor where DisplayName = 'C:\\\\Acme\\\\\\'s'");
  });

  it('round-trips any name through a QBO query parser as one condition on exactly that value', () => {
    for (const displayName of ["O'Brien", 'Tools\\', "Tools\\' and Active = false", "\\'\\'", "It's \\\"quoted\\\"", "''"]) {
      const { query } = duplicateLookupQuery(withData(vendor, { displayName }));
      expect(parseQuery(query).where).toEqual([expect.objectContaining({ field: 'DisplayName', op: '=', values: [displayName] })]);
    }
  });
});
