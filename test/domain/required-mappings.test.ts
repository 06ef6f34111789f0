import { describe, expect, it } from 'vitest';
import { awraRecordSchema } from '../../domain/records.ts';
import type { AwraRecord } from '../../domain/records.ts';
import { refKey, requiredReferences } from '../../domain/required-mappings.ts';

const envelope = { tenantId: 'acme', status: 'posted', version: 3 } as const;

/** Records go through the intake schema so the fixtures stay valid AWRA records. */
const record = (r: Record<string, unknown>): AwraRecord => awraRecordSchema.parse({ ...envelope, ...r });

const keys = (rec: AwraRecord) => requiredReferences(rec).map((r) => refKey(r.kind, r.key));

describe('requiredReferences', () => {
  it('needs nothing for vendors and customers', () => {
    const vendor = record({ recordType: 'vendor', sourceId: 'v-1', number: 'V-1', data: { displayName: 'Acme', currency: 'KES', active: true } });
    const customer = record({ recordType: 'customer', sourceId: 'c-1', number: 'C-1', data: { displayName: 'Zed', currency: 'KES', active: true } });
    expect(requiredReferences(vendor)).toEqual([]);
    expect(requiredReferences(customer)).toEqual([]);
  });

  it('needs the accounts of a service item, and its tax code when it has a tax category', () => {
    const item = record({
      recordType: 'item',
      sourceId: 'it-1',
      number: 'ITEM-1',
      data: { sku: 'SVC-1', name: 'Install', kind: 'service', unitPrice: 5000, incomeAccount: '4000', expenseAccount: '5000', taxCategory: 'VAT16' },
    });
    expect(requiredReferences(item)).toEqual([
      { kind: 'account', key: '4000', reason: "The item's income account 4000 needs a QuickBooks account." },
      { kind: 'account', key: '5000', reason: "The item's expense account 5000 needs a QuickBooks account." },
      { kind: 'tax_code', key: 'VAT16', reason: "The item's tax category VAT16 needs a QuickBooks tax code." },
    ]);
  });

  it('needs the income, cost of goods and asset accounts of an inventory item', () => {
    const item = record({
      recordType: 'item',
      sourceId: 'it-2',
      number: 'ITEM-2',
      data: {
        sku: 'SKU-123', name: 'Widget', kind: 'inventory', unitPrice: 1999, incomeAccount: '4000', expenseAccount: '5100',
        assetAccount: '1300', qtyOnHand: 10, inventoryStartDate: '2026-01-01',
      },
    });
    expect(keys(item)).toEqual(['account:4000', 'account:5100', 'account:1300']);
    expect(requiredReferences(item)[1]!.reason).toContain('cost of goods sold account 5100');
  });

  it('lists an account once when an item uses the same code twice', () => {
    const item = record({
      recordType: 'item',
      sourceId: 'it-3',
      number: 'ITEM-3',
      data: { sku: 'X', name: 'X', kind: 'non_inventory', unitPrice: 1, incomeAccount: '4000', expenseAccount: '4000' },
    });
    expect(keys(item)).toEqual(['account:4000']);
  });

  it('needs the vendor, each line item, tax code and the branch as class for a purchase order', () => {
    const po = record({
      recordType: 'purchase_order',
      sourceId: 'po-42',
      number: 'PO-2026-0042',
      status: 'approved',
      data: {
        vendorId: 'ven-7',
        txnDate: '2026-03-01',
        currency: 'KES',
        branch: 'NBO',
        total: 3000,
        lines: [
          { itemId: 'it-9', qty: 1, unitPrice: 1000, amount: 1000, taxCategory: 'VAT16' },
          { itemId: 'it-9', qty: 1, unitPrice: 1000, amount: 1000, taxCategory: 'VAT16', category: 'FIELD' },
          { itemId: 'it-4', qty: 1, unitPrice: 1000, amount: 1000, taxCategory: 'VAT16' },
        ],
      },
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
    const bill = record({
      recordType: 'bill',
      sourceId: 'bill-1',
      number: 'BILL-1',
      data: {
        vendorId: 'ven-7',
        txnDate: '2026-03-01',
        dueDate: '2026-03-31',
        currency: 'KES',
        total: 3000,
        lines: [
          { expenseAccount: '6100', amount: 1000, taxCategory: 'EXEMPT', category: 'OPS' },
          { itemId: 'it-9', qty: 2, unitPrice: 1000, amount: 2000, taxCategory: 'VAT16' },
        ],
      },
    });
    expect(keys(bill)).toEqual(['vendor:ven-7', 'account:6100', 'tax_code:EXEMPT', 'category:OPS', 'item:it-9', 'tax_code:VAT16']);
    expect(requiredReferences(bill)[1]!.reason).toBe('Expense account 6100 on line 1 needs a QuickBooks account.');
  });

  it('needs no class when neither the line nor the record names a category', () => {
    const invoice = record({
      recordType: 'invoice',
      sourceId: 'inv-1',
      number: 'INV-1',
      data: {
        customerId: 'cus-1',
        txnDate: '2026-03-01',
        dueDate: '2026-03-31',
        currency: 'KES',
        total: 1000,
        lines: [{ itemId: 'it-9', qty: 1, unitPrice: 1000, amount: 1000, taxCategory: 'VAT16' }],
      },
    });
    expect(keys(invoice)).toEqual(['customer:cus-1', 'item:it-9', 'tax_code:VAT16']);
  });

  it('needs the customer, payment method, clearing account and every applied invoice for a payment', () => {
    const payment = record({
      recordType: 'payment',
      sourceId: 'pay-1',
      number: 'RCPT-1',
      data: {
        customerId: 'cus-1',
        txnDate: '2026-03-05',
        currency: 'KES',
        amount: 3000,
        method: 'mpesa',
        appliedTo: [
          { invoiceId: 'inv-1', amount: 1000 },
          { invoiceId: 'inv-2', amount: 1000 },
          { invoiceId: 'inv-1', amount: 1000 },
        ],
      },
    });
    expect(requiredReferences(payment)).toEqual([
      { kind: 'customer', key: 'cus-1', reason: 'Customer cus-1 must be synced to QuickBooks (or linked to an existing QuickBooks customer) first.' },
      { kind: 'payment_method', key: 'mpesa', reason: 'Payment method M-Pesa needs a QuickBooks payment method.' },
      { kind: 'account', key: 'clearing:mpesa', reason: 'M-Pesa receipts need a QuickBooks clearing account to deposit to (account clearing:mpesa).' },
      { kind: 'invoice', key: 'inv-1', reason: 'Invoice inv-1 must be synced to QuickBooks before this payment can be applied to it.' },
      { kind: 'invoice', key: 'inv-2', reason: 'Invoice inv-2 must be synced to QuickBooks before this payment can be applied to it.' },
    ]);
  });

  it('builds ref keys as kind:key', () => {
    expect(refKey('account', 'clearing:paystack')).toBe('account:clearing:paystack');
    expect(refKey('invoice', 'inv-1')).toBe('invoice:inv-1');
  });
});
