import type { SimClient } from '../../simulator/testing.ts';

/** The smallest invoice the simulator accepts: one sales line of item 1 (a seeded item) for this customer. */
export const oneLineInvoice = (customerId: string, opts: { amount?: number; docNumber?: string } = {}) => ({
  CustomerRef: { value: customerId },
  ...(opts.docNumber ? { DocNumber: opts.docNumber } : {}),
  Line: [{ DetailType: 'SalesItemLineDetail', Amount: opts.amount ?? 10, SalesItemLineDetail: { ItemRef: { value: '1' } } }],
});

/** A new customer of that name and such an invoice for it, created through the simulator's API. */
export async function customerWithInvoice(qbo: SimClient, displayName: string) {
  const customer = (await qbo.post('/customer', { DisplayName: displayName })).json.Customer;
  const invoice = (await qbo.post('/invoice', oneLineInvoice(customer.Id))).json.Invoice;
  return { customer, invoice };
}
