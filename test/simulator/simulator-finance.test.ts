import { beforeEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator, type SimulatorOptions } from '../../simulator/index.ts';
import { simClient, type SimClient, type SimResponse } from '../../simulator/testing.ts';

const quiet = { info: () => undefined, warn: () => undefined };

let sim: Simulator;
let qbo: SimClient;

function start(options: SimulatorOptions = {}, company: Parameters<Simulator['createCompany']>[0] = {}): void {
  sim = createSimulator({ logger: quiet, clock: () => Date.parse('2026-03-02T17:00:00Z'), ...options });
  qbo = simClient(sim, sim.createCompany({ closingDate: '2025-12-31', ...company }));
}

beforeEach(() => start());

function id(entity: string, name: string): string {
  const found = sim.ledger({ realmId: qbo.realmId, entity }).find((e) => e.Name === name || e.DisplayName === name);
  if (!found) throw new Error(`no ${entity} named ${name}`);
  return String(found.Id);
}

function ok(res: SimResponse, entity: string) {
  expect(res.status, res.text).toBe(200);
  return res.json[entity];
}

function fault(res: SimResponse): { code: string; Message: string; Detail: string; element: string } {
  expect(res.status, res.text).toBe(400);
  expect(res.json.Fault.type).toBe('ValidationFault');
  return res.json.Fault.Error[0];
}

async function party(entity: 'vendor' | 'customer', name: string, extra: Record<string, unknown> = {}): Promise<string> {
  return ok(await qbo.post(`/${entity}`, { DisplayName: name, ...extra }), entity === 'vendor' ? 'Vendor' : 'Customer').Id;
}

const expenseLine = (amount: number, account = id('Account', 'Office Supplies')) => ({
  DetailType: 'AccountBasedExpenseLineDetail',
  Amount: amount,
  AccountBasedExpenseLineDetail: { AccountRef: { value: account } },
});

const salesLine = (amount: number) => ({
  DetailType: 'SalesItemLineDetail',
  Amount: amount,
  SalesItemLineDetail: { ItemRef: { value: id('Item', 'Services') }, TaxCodeRef: { value: 'NON' } },
});

async function bill(vendorId: string, amount = 100, extra: Record<string, unknown> = {}) {
  return ok(await qbo.post('/bill', { VendorRef: { value: vendorId }, Line: [expenseLine(amount)], ...extra }), 'Bill');
}

const checkPayment = (vendorId: string, total: number, lines: { id: string; amount: number; type?: string }[]) => ({
  VendorRef: { value: vendorId },
  PayType: 'Check',
  CheckPayment: { BankAccountRef: { value: id('Account', 'Checking') } },
  TotalAmt: total,
  Line: lines.map((l) => ({ Amount: l.amount, LinkedTxn: [{ TxnId: l.id, TxnType: l.type ?? 'Bill' }] })),
});

describe('QBO simulator BillPayment', () => {
  it('pays a bill by check, reducing its Balance and linking the payment both ways', async () => {
    const v = await party('vendor', 'Paper Co');
    const b = await bill(v, 100);
    const paid = ok(await qbo.post('/billpayment', checkPayment(v, 60, [{ id: b.Id, amount: 60 }])), 'BillPayment');
    expect(paid).toMatchObject({
      PayType: 'Check',
      TotalAmt: 60,
      SyncToken: '0',
      VendorRef: { value: v, name: 'Paper Co' },
      CheckPayment: { BankAccountRef: { name: 'Checking' } },
      APAccountRef: { name: 'Accounts Payable (A/P)' },
      Line: [{ Amount: 60, LinkedTxn: [{ TxnId: b.Id, TxnType: 'Bill' }] }],
    });
    const after = ok(await qbo.get(`/bill/${b.Id}`), 'Bill');
    expect(after).toMatchObject({ Balance: 40, SyncToken: '1', LinkedTxn: [{ TxnId: paid.Id, TxnType: 'BillPayment' }] });
    expect(ok(await qbo.get(`/vendor/${v}`), 'Vendor').Balance).toBe(40);

    ok(await qbo.post('/billpayment', { Id: paid.Id, SyncToken: '0', sparse: true, TotalAmt: 100, Line: [{ Amount: 100, LinkedTxn: [{ TxnId: b.Id, TxnType: 'Bill' }] }] }), 'BillPayment');
    expect(ok(await qbo.get(`/bill/${b.Id}`), 'Bill').Balance).toBe(0);
  });

  it('pays by credit card from a credit card account and reads and queries back', async () => {
    const v = await party('vendor', 'Card Vendor');
    const card = ok(await qbo.post('/account', { Name: 'Company Visa', AccountType: 'Credit Card' }), 'Account');
    const b = await bill(v, 25);
    const paid = ok(
      await qbo.post('/billpayment', {
        VendorRef: { value: v },
        PayType: 'CreditCard',
        CreditCardPayment: { CCAccountRef: { value: card.Id } },
        TotalAmt: 25,
        Line: [{ Amount: 25, LinkedTxn: [{ TxnId: b.Id, TxnType: 'Bill' }] }],
      }),
      'BillPayment',
    );
    expect(paid.CreditCardPayment).toEqual({ CCAccountRef: { value: card.Id, name: 'Company Visa' } });
    expect(ok(await qbo.get(`/billpayment/${paid.Id}`), 'BillPayment').Id).toBe(paid.Id);
    const found = await qbo.query(`select * from BillPayment where VendorRef = '${v}' and PayType = 'CreditCard'`);
    expect(found.json.QueryResponse.BillPayment.map((p: { Id: string }) => p.Id)).toEqual([paid.Id]);
    const page = await sim.app.request(`/_sim/app/billpayment?txnId=${paid.Id}&realmId=${qbo.realmId}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Company Visa');
  });

  it('refuses a bill payment without its minimum fields with 2020, naming each', async () => {
    const v = await party('vendor', 'Strict Vendor');
    const b = await bill(v);
    const full = checkPayment(v, 10, [{ id: b.Id, amount: 10 }]);
    const without = (key: string) => Object.fromEntries(Object.entries(full).filter(([k]) => k !== key));
    expect(fault(await qbo.post('/billpayment', without('VendorRef'))).element).toBe('VendorRef');
    expect(fault(await qbo.post('/billpayment', without('PayType'))).element).toBe('PayType');
    expect(fault(await qbo.post('/billpayment', without('TotalAmt'))).element).toBe('TotalAmt');
    expect(fault(await qbo.post('/billpayment', without('Line'))).element).toBe('Line');
    expect(fault(await qbo.post('/billpayment', without('CheckPayment'))).element).toBe('CheckPayment.BankAccountRef');
    const card = fault(await qbo.post('/billpayment', { ...without('CheckPayment'), PayType: 'CreditCard' }));
    expect(card).toMatchObject({ code: '2020', element: 'CreditCardPayment.CCAccountRef' });
    expect(fault(await qbo.post('/billpayment', { ...full, Line: [{ Amount: 10 }] })).element).toBe('Line.LinkedTxn');
    expect(fault(await qbo.post('/billpayment', { ...full, PayType: 'Cash' })).code).toBe('2010');
  });

  it('refuses wrong references and links like the other transactions do', async () => {
    const v = await party('vendor', 'Linked Vendor');
    const other = await party('vendor', 'Other Vendor');
    const b = await bill(v, 50);
    const missingBill = fault(await qbo.post('/billpayment', checkPayment(v, 10, [{ id: '9999', amount: 10 }])));
    expect(missingBill).toMatchObject({ code: '2500', element: 'Line.LinkedTxn.TxnId' });
    expect(fault(await qbo.post('/billpayment', checkPayment(other, 10, [{ id: b.Id, amount: 10 }])))).toMatchObject({ code: '620', element: 'Line.LinkedTxn' });
    expect(fault(await qbo.post('/billpayment', checkPayment(v, 10, [{ id: b.Id, amount: 10, type: 'Invoice' }]))).code).toBe('2500');
    expect(fault(await qbo.post('/billpayment', checkPayment(v, 60, [{ id: b.Id, amount: 60 }])))).toMatchObject({ code: '6000', element: 'Line.Amount' });
    expect(fault(await qbo.post('/billpayment', checkPayment(v, 10, [{ id: b.Id, amount: 20 }]))).code).toBe('6000');
    expect(fault(await qbo.post('/billpayment', checkPayment(v, -5, [{ id: b.Id, amount: 0 }])))).toMatchObject({ code: '6000', element: 'TotalAmt' });

    const notABank = fault(await qbo.post('/billpayment', { ...checkPayment(v, 10, [{ id: b.Id, amount: 10 }]), CheckPayment: { BankAccountRef: { value: id('Account', 'Travel') } } }));
    expect(notABank).toMatchObject({ code: '6000', element: 'CheckPayment.BankAccountRef' });
    const unknownBank = fault(await qbo.post('/billpayment', { ...checkPayment(v, 10, [{ id: b.Id, amount: 10 }]), CheckPayment: { BankAccountRef: { value: '999' } } }));
    expect(unknownBank).toMatchObject({ code: '2500', element: 'CheckPayment.BankAccountRef' });
    const theirs = await bill(other, 5);
    sim.deactivate(qbo.realmId, 'Vendor', other);
    expect(fault(await qbo.post('/billpayment', checkPayment(other, 5, [{ id: theirs.Id, amount: 5 }])))).toMatchObject({ code: '610', element: 'VendorRef' });
  });

  it('applies a vendor credit beside the bill it pays, and treats an overpayment as a credit with the vendor', async () => {
    const v = await party('vendor', 'Credit Vendor');
    const b = await bill(v, 100);
    const credit = ok(await qbo.post('/vendorcredit', { VendorRef: { value: v }, Line: [expenseLine(30)] }), 'VendorCredit');
    const paid = ok(
      await qbo.post('/billpayment', checkPayment(v, 70, [{ id: b.Id, amount: 100 }, { id: credit.Id, amount: 30, type: 'VendorCredit' }])),
      'BillPayment',
    );
    expect(ok(await qbo.get(`/bill/${b.Id}`), 'Bill').Balance).toBe(0);
    expect(ok(await qbo.get(`/vendorcredit/${credit.Id}`), 'VendorCredit')).toMatchObject({ Balance: 0, LinkedTxn: [{ TxnId: paid.Id, TxnType: 'BillPayment' }] });

    const second = await bill(v, 10);
    ok(await qbo.post('/billpayment', checkPayment(v, 15, [{ id: second.Id, amount: 10 }])), 'BillPayment');
    expect(ok(await qbo.get(`/vendor/${v}`), 'Vendor').Balance).toBe(-5);
  });
});

describe('QBO simulator CreditMemo', () => {
  it('creates a credit memo with sales lines, numbered like invoices, with its full amount as remaining credit', async () => {
    const c = await party('customer', 'Returning Buyer');
    const memo = ok(await qbo.post('/creditmemo', { CustomerRef: { value: c }, Line: [salesLine(40)] }), 'CreditMemo');
    expect(memo).toMatchObject({ TotalAmt: 40, Balance: 40, RemainingCredit: 40, DocNumber: '1001', CustomerRef: { name: 'Returning Buyer' }, PrintStatus: 'NotSet' });
    expect(ok(await qbo.get(`/customer/${c}`), 'Customer').Balance).toBe(-40);
    const found = await qbo.query(`select * from CreditMemo where CustomerRef = '${c}'`);
    expect(found.json.QueryResponse.CreditMemo).toHaveLength(1);
  });

  it('refuses a credit memo without customer or lines, with a wrong item, or with expense lines', async () => {
    const c = await party('customer', 'Memo Buyer');
    expect(fault(await qbo.post('/creditmemo', { Line: [salesLine(1)] })).element).toBe('CustomerRef');
    expect(fault(await qbo.post('/creditmemo', { CustomerRef: { value: c } })).element).toBe('Line');
    const badItem = { ...salesLine(1), SalesItemLineDetail: { ItemRef: { value: '999' } } };
    expect(fault(await qbo.post('/creditmemo', { CustomerRef: { value: c }, Line: [badItem] }))).toMatchObject({ code: '2500', element: 'Line.SalesItemLineDetail.ItemRef' });
    expect(fault(await qbo.post('/creditmemo', { CustomerRef: { value: c }, Line: [expenseLine(1)] }))).toMatchObject({ code: '6000', element: 'Line.DetailType' });
    expect(fault(await qbo.post('/creditmemo', { CustomerRef: { value: c }, Line: [salesLine(1)], TxnDate: '2025-12-01' })).code).toBe('6210');
    // Bound like every sales form: any SalesTransaction property is accepted, anything else is 2010.
    expect((await qbo.post('/creditmemo', { CustomerRef: { value: c }, Line: [salesLine(1)], DueDate: '2026-04-01', ShipDate: '2026-03-03' })).status).toBe(200);
    expect(fault(await qbo.post('/creditmemo', { CustomerRef: { value: c }, Line: [salesLine(1)], Deposit: 1 })).code).toBe('2010');
  });

  it('is applied to an invoice through a payment that links both, using up its credit', async () => {
    const c = await party('customer', 'Applied Buyer');
    const invoice = ok(await qbo.post('/invoice', { CustomerRef: { value: c }, Line: [salesLine(100)] }), 'Invoice');
    const memo = ok(await qbo.post('/creditmemo', { CustomerRef: { value: c }, Line: [salesLine(30)] }), 'CreditMemo');
    const link = (txnId: string, type: string, amount: number) => ({ Amount: amount, LinkedTxn: [{ TxnId: txnId, TxnType: type }] });
    const payment = ok(
      await qbo.post('/payment', { CustomerRef: { value: c }, TotalAmt: 0, Line: [link(invoice.Id, 'Invoice', 30), link(memo.Id, 'CreditMemo', 30)] }),
      'Payment',
    );
    expect(payment.UnappliedAmt).toBe(0);
    expect(ok(await qbo.get(`/invoice/${invoice.Id}`), 'Invoice').Balance).toBe(70);
    expect(ok(await qbo.get(`/creditmemo/${memo.Id}`), 'CreditMemo')).toMatchObject({ Balance: 0, RemainingCredit: 0, LinkedTxn: [{ TxnId: payment.Id, TxnType: 'Payment' }] });
    expect(ok(await qbo.get(`/customer/${c}`), 'Customer').Balance).toBe(70);

    const overCredit = fault(await qbo.post('/payment', { CustomerRef: { value: c }, TotalAmt: 0, Line: [link(memo.Id, 'CreditMemo', 5)] }));
    expect(overCredit.code).toBe('6000');

    // Deleting the credit memo takes its credit off the payment: the invoice is owed again.
    const current = ok(await qbo.get(`/creditmemo/${memo.Id}`), 'CreditMemo');
    ok(await qbo.post('/creditmemo?operation=delete', { Id: memo.Id, SyncToken: current.SyncToken }), 'CreditMemo');
    expect(ok(await qbo.get(`/invoice/${invoice.Id}`), 'Invoice').Balance).toBe(100);
    expect(ok(await qbo.get(`/payment/${payment.Id}`), 'Payment')).toMatchObject({ Line: [], UnappliedAmt: 0, SyncToken: '1' });
  });
});

describe('QBO simulator VendorCredit', () => {
  it('creates a vendor credit with item or account lines and its amount open against the vendor', async () => {
    const v = await party('vendor', 'Refunding Vendor');
    const credit = ok(
      await qbo.post('/vendorcredit', {
        VendorRef: { value: v },
        Line: [expenseLine(20), { DetailType: 'ItemBasedExpenseLineDetail', Amount: 10, ItemBasedExpenseLineDetail: { ItemRef: { value: id('Item', 'Hours') }, Qty: 2, UnitPrice: 5 } }],
      }),
      'VendorCredit',
    );
    expect(credit).toMatchObject({ TotalAmt: 30, Balance: 30, APAccountRef: { name: 'Accounts Payable (A/P)' } });
    expect(credit.DueDate).toBeUndefined();
    expect(ok(await qbo.get(`/vendor/${v}`), 'Vendor').Balance).toBe(-30);
    expect((await qbo.query('select count(*) from VendorCredit')).json.QueryResponse.totalCount).toBe(1);
  });

  it('refuses a vendor credit without vendor or lines, with a wrong account, or with sales lines', async () => {
    const v = await party('vendor', 'Picky Vendor');
    expect(fault(await qbo.post('/vendorcredit', { Line: [expenseLine(1)] })).element).toBe('VendorRef');
    expect(fault(await qbo.post('/vendorcredit', { VendorRef: { value: v } })).element).toBe('Line');
    const badAccount = fault(await qbo.post('/vendorcredit', { VendorRef: { value: v }, Line: [expenseLine(1, '999')] }));
    expect(badAccount).toMatchObject({ code: '2500', element: 'Line.AccountBasedExpenseLineDetail.AccountRef' });
    expect(fault(await qbo.post('/vendorcredit', { VendorRef: { value: v }, Line: [salesLine(1)] })).code).toBe('6000');
    expect(fault(await qbo.post('/vendorcredit', { VendorRef: { value: v }, Line: [{ ...expenseLine(1), AccountBasedExpenseLineDetail: {} }] })).code).toBe('2020');
  });
});

describe('QBO simulator RefundReceipt and SalesReceipt', () => {
  it('creates a refund receipt paid from a bank account with a payment method, settled on the spot', async () => {
    const c = await party('customer', 'Refunded Buyer');
    const refund = ok(
      await qbo.post('/refundreceipt', {
        CustomerRef: { value: c },
        Line: [salesLine(15)],
        DepositToAccountRef: { value: id('Account', 'Checking') },
        PaymentMethodRef: { value: id('PaymentMethod', 'M-Pesa') },
      }),
      'RefundReceipt',
    );
    expect(refund).toMatchObject({ TotalAmt: 15, Balance: 0, DepositToAccountRef: { name: 'Checking' }, PaymentMethodRef: { name: 'M-Pesa' }, DocNumber: '1001' });
    expect(ok(await qbo.get(`/refundreceipt/${refund.Id}`), 'RefundReceipt').TotalAmt).toBe(15);
    expect((await qbo.query(`select * from RefundReceipt where CustomerRef = '${c}'`)).json.QueryResponse.RefundReceipt).toHaveLength(1);
  });

  it('refuses a refund receipt without its account or lines, or with a wrong payment method', async () => {
    const c = await party('customer', 'Refund Checker');
    const body = { CustomerRef: { value: c }, Line: [salesLine(5)], DepositToAccountRef: { value: id('Account', 'Checking') } };
    expect(fault(await qbo.post('/refundreceipt', { ...body, DepositToAccountRef: undefined })).element).toBe('DepositToAccountRef');
    expect(fault(await qbo.post('/refundreceipt', { ...body, Line: [] })).element).toBe('Line');
    expect(fault(await qbo.post('/refundreceipt', { ...body, PaymentMethodRef: { value: '999' } }))).toMatchObject({ code: '2500', element: 'PaymentMethodRef' });
  });

  it('can let a refund receipt default to Undeposited Funds when configured not to require the account', async () => {
    start({ refundReceiptRequiresDepositAccount: false });
    const c = await party('customer', 'Lenient Buyer');
    const refund = ok(await qbo.post('/refundreceipt', { CustomerRef: { value: c }, Line: [salesLine(5)] }), 'RefundReceipt');
    expect(refund.DepositToAccountRef.name).toBe('Undeposited Funds');
  });

  it('creates a sales receipt without a customer, deposited to Undeposited Funds by default', async () => {
    const receipt = ok(await qbo.post('/salesreceipt', { Line: [salesLine(12)], DocNumber: 'AUTO_GENERATE' }), 'SalesReceipt');
    expect(receipt).toMatchObject({ TotalAmt: 12, Balance: 0, DocNumber: '1001', DepositToAccountRef: { name: 'Undeposited Funds' } });
    expect(receipt.CustomerRef).toBeUndefined();
  });
});

describe('QBO simulator bills linking purchase orders', () => {
  async function purchaseOrder(vendorId: string) {
    return ok(await qbo.post('/purchaseorder', { VendorRef: { value: vendorId }, Line: [expenseLine(80)] }), 'PurchaseOrder');
  }

  it('closes a purchase order that a bill links and shows the bill in its LinkedTxn', async () => {
    const v = await party('vendor', 'PO Vendor');
    const po = await purchaseOrder(v);
    expect(po.POStatus).toBe('Open');
    const b = await bill(v, 80, { LinkedTxn: [{ TxnId: po.Id, TxnType: 'PurchaseOrder' }] });
    expect(b.LinkedTxn).toEqual([{ TxnId: po.Id, TxnType: 'PurchaseOrder' }]);
    expect(ok(await qbo.get(`/purchaseorder/${po.Id}`), 'PurchaseOrder')).toMatchObject({
      POStatus: 'Closed',
      SyncToken: '1',
      LinkedTxn: [{ TxnId: b.Id, TxnType: 'Bill' }],
    });

    // The bill no longer linking it reopens the PO; a close the bill explained was not a manual one.
    ok(await qbo.post('/bill', { Id: b.Id, SyncToken: b.SyncToken, sparse: true, LinkedTxn: [] }), 'Bill');
    const reopened = ok(await qbo.get(`/purchaseorder/${po.Id}`), 'PurchaseOrder');
    expect(reopened.POStatus).toBe('Open');
    expect(reopened.LinkedTxn).toBeUndefined();
  });

  it('accepts the link on a bill line as well', async () => {
    const v = await party('vendor', 'Line PO Vendor');
    const po = await purchaseOrder(v);
    await bill(v, 80, { Line: [{ ...expenseLine(80), LinkedTxn: [{ TxnId: po.Id, TxnType: 'PurchaseOrder', TxnLineId: '1' }] }] });
    expect(ok(await qbo.get(`/purchaseorder/${po.Id}`), 'PurchaseOrder').POStatus).toBe('Closed');
  });

  it('leaves the linked purchase order Open when configured so', async () => {
    start({ purchaseOrderCloseOnBillLink: false });
    const v = await party('vendor', 'Open PO Vendor');
    const po = await purchaseOrder(v);
    const b = await bill(v, 80, { LinkedTxn: [{ TxnId: po.Id, TxnType: 'PurchaseOrder' }] });
    expect(ok(await qbo.get(`/purchaseorder/${po.Id}`), 'PurchaseOrder')).toMatchObject({ POStatus: 'Open', LinkedTxn: [{ TxnId: b.Id, TxnType: 'Bill' }] });
  });

  it('refuses a link to a purchase order of another vendor with 620 and to a missing one with 2500', async () => {
    const v = await party('vendor', 'Mine');
    const other = await party('vendor', 'Theirs');
    const po = await purchaseOrder(other);
    const foreign = fault(await qbo.post('/bill', { VendorRef: { value: v }, Line: [expenseLine(1)], LinkedTxn: [{ TxnId: po.Id, TxnType: 'PurchaseOrder' }] }));
    expect(foreign).toMatchObject({ code: '620', element: 'LinkedTxn', Message: 'TxnID Cannot Be Linked' });
    expect(foreign.Detail).toContain(`Purchase Order ${po.Id} belongs to a different vendor`);
    const missing = fault(await qbo.post('/bill', { VendorRef: { value: v }, Line: [expenseLine(1)], LinkedTxn: [{ TxnId: '9999', TxnType: 'PurchaseOrder' }] }));
    expect(missing).toMatchObject({ code: '2500', element: 'LinkedTxn.TxnId' });
  });

  it('closes a purchase order by sparse update and keeps it closed when a linking bill goes', async () => {
    const v = await party('vendor', 'Manual Close Vendor');
    const po = await purchaseOrder(v);
    const closed = ok(await qbo.post('/purchaseorder', { Id: po.Id, SyncToken: po.SyncToken, sparse: true, POStatus: 'Closed' }), 'PurchaseOrder');
    expect(closed).toMatchObject({ POStatus: 'Closed', SyncToken: '1' });
    const b = await bill(v, 80, { LinkedTxn: [{ TxnId: po.Id, TxnType: 'PurchaseOrder' }] });
    ok(await qbo.post('/bill?operation=delete', { Id: b.Id, SyncToken: b.SyncToken }), 'Bill');
    expect(ok(await qbo.get(`/purchaseorder/${po.Id}`), 'PurchaseOrder').POStatus).toBe('Closed');
    const reopened = ok(await qbo.post('/purchaseorder', { Id: po.Id, SyncToken: '3', sparse: true, POStatus: 'Open' }), 'PurchaseOrder');
    expect(reopened.POStatus).toBe('Open');
  });
});

describe('QBO simulator exchange rates', () => {
  beforeEach(() => start({}, { multicurrency: true }));

  it('echoes the ExchangeRate of a foreign-currency transaction and derives its home amounts from it', async () => {
    const c = await party('customer', 'Shilling Buyer', { CurrencyRef: { value: 'KES' } });
    const memo = ok(await qbo.post('/creditmemo', { CustomerRef: { value: c }, Line: [salesLine(1000)], ExchangeRate: 0.0077 }), 'CreditMemo');
    expect(memo).toMatchObject({ CurrencyRef: { value: 'KES', name: 'Kenyan Shilling' }, ExchangeRate: 0.0077, TotalAmt: 1000, HomeTotalAmt: 7.7 });
    const v = await party('vendor', 'Shilling Vendor', { CurrencyRef: { value: 'KES' } });
    const b = await bill(v, 500, { ExchangeRate: 0.008 });
    expect(b).toMatchObject({ ExchangeRate: 0.008, HomeBalance: 4 });
  });

  it('uses the default rate when a foreign-currency transaction has none, and rate 1 at home', async () => {
    const c = await party('customer', 'Unrated Buyer', { CurrencyRef: { value: 'KES' } });
    const receipt = ok(await qbo.post('/salesreceipt', { CustomerRef: { value: c }, Line: [salesLine(100)] }), 'SalesReceipt');
    expect(receipt.ExchangeRate).toBe(1);
    const home = ok(await qbo.post('/salesreceipt', { Line: [salesLine(100)], ExchangeRate: 3 }), 'SalesReceipt');
    expect(home.ExchangeRate).toBe(1);

    start({ defaultExchangeRate: { KES: 0.0078 } }, { multicurrency: true });
    const kes = await party('customer', 'Configured Buyer', { CurrencyRef: { value: 'KES' } });
    const rated = ok(await qbo.post('/invoice', { CustomerRef: { value: kes }, Line: [salesLine(1000)] }), 'Invoice');
    expect(rated).toMatchObject({ ExchangeRate: 0.0078, HomeTotalAmt: 7.8 });
    expect(fault(await qbo.post('/invoice', { CustomerRef: { value: kes }, Line: [salesLine(1)], ExchangeRate: 0 }))).toMatchObject({ code: '6000', element: 'ExchangeRate' });
  });

  it('keeps the rate of a bill payment in the foreign currency of the bills it pays', async () => {
    const v = await party('vendor', 'Euro Vendor', { CurrencyRef: { value: 'EUR' } });
    const b = await bill(v, 100, { ExchangeRate: 1.1 });
    const paid = ok(await qbo.post('/billpayment', { ...checkPayment(v, 100, [{ id: b.Id, amount: 100 }]), CurrencyRef: { value: 'EUR' }, ExchangeRate: 1.12 }), 'BillPayment');
    expect(paid).toMatchObject({ CurrencyRef: { value: 'EUR' }, ExchangeRate: 1.12 });
    expect(ok(await qbo.get(`/bill/${b.Id}`), 'Bill')).toMatchObject({ Balance: 0, HomeBalance: 0 });
  });
});
