import { describe, expect, it } from 'vitest';
import type { AwraRecord } from '../../domain/records.ts';
import { refKey, requiredReferences } from '../../domain/required-mappings.ts';
import {
  bill,
  billPayment,
  creditNote,
  customer,
  invoice,
  inventoryItem,
  payment,
  parseRecord,
  purchaseOrder,
  refund,
  vendor,
  vendorCredit,
  withData,
} from '../fixtures/sample-records.ts';

const keys = (rec: AwraRecord) => requiredReferences(rec).map((r) => refKey(r.kind, r.key));

/** The sample item with all of its data replaced: what an item needs comes from its data alone. */
const itemWith = (data: Record<string, unknown>) => parseRecord({ ...inventoryItem, data });

describe('requiredReferences', () => {
  it('needs nothing for vendors and customers', () => {
    expect(requiredReferences(vendor)).toEqual([]);
    expect(requiredReferences(customer)).toEqual([]);
  });

  it('needs the accounts of a service item, and its tax code when it has a tax category', () => {
    const item = itemWith({ sku: 'SVC-1', name: 'Install', kind: 'service', unitPrice: 5000, incomeAccount: '4000', expenseAccount: '5000', taxCategory: 'VAT16' });
    expect(requiredReferences(item)).toEqual([
      { kind: 'account', key: '4000', reason: "The item's income account 4000 needs a QuickBooks account." },
      { kind: 'account', key: '5000', reason: "The item's expense account 5000 needs a QuickBooks account." },
      { kind: 'tax_code', key: 'VAT16', reason: "The item's tax category VAT16 needs a QuickBooks tax code." },
    ]);
  });

  it('needs the income, cost of goods and asset accounts of an inventory item', () => {
    const item = itemWith({
      sku: 'SKU-123', name: 'Widget', kind: 'inventory', unitPrice: 1999, incomeAccount: '4000', expenseAccount: '5100',
      assetAccount: '1300', qtyOnHand: 10, inventoryStartDate: '2026-01-01',
    });
    expect(keys(item)).toEqual(['account:4000', 'account:5100', 'account:1300']);
    expect(requiredReferences(item)[1]!.reason).toContain('cost of goods sold account 5100');
  });

  it('lists an account once when an item uses the same code twice', () => {
    const item = itemWith({ sku: 'X', name: 'X', kind: 'non_inventory', unitPrice: 1, incomeAccount: '4000', expenseAccount: '4000' });
    expect(keys(item)).toEqual(['account:4000']);
  });

  it('needs the vendor, each line item, tax code and the branch as class for a purchase order', () => {
    const po = withData(purchaseOrder, {
      total: 3000,
      lines: [
        { itemId: 'it-9', qty: 1, unitPrice: 1000, amount: 1000, taxCategory: 'VAT16' },
        { itemId: 'it-9', qty: 1, unitPrice: 1000, amount: 1000, taxCategory: 'VAT16', category: 'FIELD' },
        { itemId: 'it-4', qty: 1, unitPrice: 1000, amount: 1000, taxCategory: 'VAT16' },
      ],
    });
    expect(requiredReferences(po)).toEqual([
      { kind: 'vendor', key: 'ven-7', reason: 'Vendor ven-7 must be synced to QuickBooks (or linked to an existing QuickBooks vendor) first.' },
      { kind: 'item', key: 'it-9', reason: 'Item it-9 on lines 1 and 2 needs a QuickBooks item (sync or link the item first).' },
      { kind: 'tax_code', key: 'VAT16', reason: 'Tax category VAT16 on lines 1, 2 and 3 needs a QuickBooks tax code.' },
      { kind: 'category', key: 'NBO', reason: 'Branch NBO on lines 1 and 3 needs a QuickBooks class.' },
      { kind: 'category', key: 'FIELD', reason: 'Category FIELD on line 2 needs a QuickBooks class.' },
      { kind: 'item', key: 'it-4', reason: 'Item it-4 on line 3 needs a QuickBooks item (sync or link the item first).' },
    ]);
  });

  it('needs an account for an expense line of a bill and an item for an item line', () => {
    // The sample bill: an expense line (account 6100, EXEMPT, category OPS), then an item line (it-9, VAT16).
    expect(keys(bill)).toEqual(['vendor:ven-7', 'account:6100', 'tax_code:EXEMPT', 'category:OPS', 'item:it-9', 'tax_code:VAT16']);
    expect(requiredReferences(bill)[1]!.reason).toBe('Expense account 6100 on line 1 needs a QuickBooks account.');
  });

  it('needs no class when neither the line nor the record names a category', () => {
    const uncategorised = withData(invoice, { lines: [{ itemId: 'it-9', qty: 1, unitPrice: 1999, amount: 1999, taxCategory: 'VAT16' }] });
    expect(keys(uncategorised)).toEqual(['customer:cus-1', 'item:it-9', 'tax_code:VAT16']);
  });

  it('needs the customer, payment method, clearing account and every applied invoice for a payment', () => {
    const applied = withData(payment, {
      amount: 3000,
      appliedTo: [
        { invoiceId: 'inv-1', amount: 1000 },
        { invoiceId: 'inv-2', amount: 1000 },
        { invoiceId: 'inv-1', amount: 1000 },
      ],
    });
    expect(requiredReferences(applied)).toEqual([
      { kind: 'customer', key: 'cus-1', reason: 'Customer cus-1 must be synced to QuickBooks (or linked to an existing QuickBooks customer) first.' },
      { kind: 'payment_method', key: 'mpesa', reason: 'Payment method M-Pesa needs a QuickBooks payment method.' },
      { kind: 'account', key: 'clearing:mpesa', reason: 'M-Pesa receipts need a QuickBooks clearing account to deposit to (account clearing:mpesa).' },
      { kind: 'invoice', key: 'inv-1', reason: 'Invoice inv-1 must be synced to QuickBooks before this payment can be applied to it.' },
      { kind: 'invoice', key: 'inv-2', reason: 'Invoice inv-2 must be synced to QuickBooks before this payment can be applied to it.' },
    ]);
  });

  it('needs the purchase order a bill names, as a dependency on its sync', () => {
    const fromPo = withData(bill, { purchaseOrderId: 'po-42' });
    expect(keys(fromPo)).toEqual(['vendor:ven-7', 'purchase_order:po-42', 'account:6100', 'tax_code:EXEMPT', 'category:OPS', 'item:it-9', 'tax_code:VAT16']);
    expect(requiredReferences(fromPo)[1]).toEqual({
      kind: 'purchase_order',
      key: 'po-42',
      reason: 'Purchase order po-42 must be synced to QuickBooks (or linked to an existing QuickBooks purchase order) before this bill can be linked to it.',
    });
  });

  it('needs the vendor, the bank account paid from and every applied bill for a bill payment, and no payment method', () => {
    const twoBills = withData(billPayment, {
      appliedTo: [
        { billId: 'bill-1', amount: 2000 },
        { billId: 'bill-2', amount: 2998 },
      ],
    });
    expect(requiredReferences(twoBills)).toEqual([
      { kind: 'vendor', key: 'ven-7', reason: 'Vendor ven-7 must be synced to QuickBooks (or linked to an existing QuickBooks vendor) first.' },
      { kind: 'account', key: '1010', reason: 'Bank account 1010 that this bill payment is paid from needs a QuickBooks bank account.' },
      { kind: 'bill', key: 'bill-1', reason: 'Bill bill-1 must be synced to QuickBooks before this bill payment can be applied to it.' },
      { kind: 'bill', key: 'bill-2', reason: 'Bill bill-2 must be synced to QuickBooks before this bill payment can be applied to it.' },
    ]);
  });

  it('calls the account of a card bill payment a credit card account', () => {
    const byCard = withData(billPayment, { method: 'card', bankAccount: '2100' });
    expect(requiredReferences(byCard)[1]).toEqual({
      kind: 'account',
      key: '2100',
      reason: 'Card account 2100 that this bill payment is charged to needs a QuickBooks credit card account.',
    });
  });

  it('needs the customer, the lines and each applied invoice for a credit note', () => {
    expect(keys(creditNote)).toEqual(['customer:cus-1', 'item:it-9', 'tax_code:VAT16', 'invoice:inv-1']);
    expect(requiredReferences(creditNote)[3]!.reason).toBe('Invoice inv-1 must be synced to QuickBooks before this credit note can be applied to it.');
    const unapplied = parseRecord({ ...creditNote, data: { ...creditNote.data, appliedTo: undefined } });
    expect(keys(unapplied)).toEqual(['customer:cus-1', 'item:it-9', 'tax_code:VAT16']);
  });

  it('needs the vendor and an item or expense account per line for a vendor credit, like a bill', () => {
    expect(keys(vendorCredit)).toEqual(['vendor:ven-7', 'account:6100', 'tax_code:EXEMPT', 'item:it-9', 'tax_code:VAT16']);
  });

  it('needs the customer, the lines, the payment method and the bank account paid from for a refund', () => {
    expect(keys(refund)).toEqual(['customer:cus-1', 'item:it-9', 'tax_code:VAT16', 'payment_method:mpesa', 'account:1020']);
    expect(requiredReferences(refund).slice(3)).toEqual([
      { kind: 'payment_method', key: 'mpesa', reason: 'Payment method M-Pesa needs a QuickBooks payment method.' },
      { kind: 'account', key: '1020', reason: 'Bank account 1020 that this refund is paid from needs a QuickBooks bank account.' },
    ]);
    expect(requiredReferences(withData(refund, { method: 'cheque' }))[3]!.reason).toBe('Payment method Cheque needs a QuickBooks payment method.');
  });

  it('builds ref keys as kind:key', () => {
    expect(refKey('account', 'clearing:paystack')).toBe('account:clearing:paystack');
    expect(refKey('invoice', 'inv-1')).toBe('invoice:inv-1');
  });
});
