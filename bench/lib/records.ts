/**
 * AWRA records in the contract format (DESIGN.md §8) for benches and drills. Numbers stay within QuickBooks' 21
 * characters so the DocNumber is the AWRA number itself and the ledger can be counted by it.
 */
import { syncWorkflowId } from '../../domain/workflow-id.ts';

export interface BenchRecord {
  tenantId: string;
  recordType: 'vendor' | 'bill';
  sourceId: string;
  number: string;
  status: 'approved' | 'posted';
  version: number;
  data: Record<string, unknown>;
}

export function vendorRecord(tenantId: string, sourceId: string, displayName: string): BenchRecord {
  return {
    tenantId,
    recordType: 'vendor',
    sourceId,
    number: `VEN-${sourceId}`,
    status: 'approved',
    version: 1,
    data: { displayName, currency: 'KES', active: true, email: 'ap@example.co.ke' },
  };
}

/** `BL-000042` style numbers: unique per tenant (QuickBooks' DocNumber uniqueness is per realm). */
export function billNumber(i: number, prefix = 'BL'): string {
  return `${prefix}-${String(i).padStart(6, '0')}`;
}

/**
 * A posted bill for `vendorId` with one expense line; `expenseAccount` defaults to 6100 (mapped by connectTenant),
 * so another code makes the bill wait on an account mapping.
 */
export function billRecord(
  tenantId: string,
  i: number,
  vendorId: string,
  opts: { expenseAccount?: string; prefix?: string; txnDate?: string; amount?: number } = {},
): BenchRecord {
  const amount = opts.amount ?? 100_000 + (i % 97) * 1_000;
  return {
    tenantId,
    recordType: 'bill',
    sourceId: `bill-${opts.prefix ?? 'bl'}-${i}`,
    number: billNumber(i, opts.prefix),
    status: 'posted',
    version: 1,
    data: {
      vendorId,
      txnDate: opts.txnDate ?? '2026-11-04',
      dueDate: '2026-12-04',
      currency: 'KES',
      total: amount,
      lines: [{ expenseAccount: opts.expenseAccount ?? '6100', description: `Bench bill ${i}`, amount, taxCategory: 'VAT16' }],
    },
  };
}

/** The workflow id intake gives a record. */
export function workflowIdOf(r: Pick<BenchRecord, 'tenantId' | 'recordType' | 'sourceId'>): string {
  return syncWorkflowId(r);
}
