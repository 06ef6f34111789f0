import { describe, expect, it } from 'vitest';
import { DEPENDENCY_KINDS, mappingGapsSentence, resolveMappings, type DependencyState, type KnownMapping } from '../../domain/mapping-gaps.ts';
import type { RequiredRef } from '../../domain/required-mappings.ts';

const need = (kind: RequiredRef['kind'], key: string, reason = `${kind} ${key} is needed.`): RequiredRef => ({ kind, key, reason });

const dep = (recordType: string, sourceId: string, number: string, state: string, qboId?: string): DependencyState => ({
  recordType,
  sourceId,
  number,
  state,
  externalRef: qboId ? { entity: 'X', qboId } : null,
});

const active = (qboId: string, qboName: string | null = null): KnownMapping => ({ qboId, qboName, status: 'active', staleReason: null });

describe('resolveMappings', () => {
  it('counts master records and the invoices, bills and purchase orders records point at as dependencies', () => {
    expect([...DEPENDENCY_KINDS].sort()).toEqual(['bill', 'customer', 'invoice', 'item', 'purchase_order', 'vendor']);
  });

  it('resolves a bill, purchase order or invoice dependency to the QuickBooks id it synced or was linked to', () => {
    const { checks, refs } = resolveMappings(
      [need('bill', 'bill-7'), need('purchase_order', 'po-3'), need('invoice', 'inv-1')],
      new Map(),
      [dep('bill', 'bill-7', 'BILL-7', 'synced', '145'), dep('purchase_order', 'po-3', 'PO-3', 'linked', '88'), dep('invoice', 'inv-1', 'INV-1', 'synced', '130')],
    );
    expect(checks.map((c) => [c.kind, c.ok, c.qboId])).toEqual([
      ['bill', true, '145'],
      ['purchase_order', true, '88'],
      ['invoice', true, '130'],
    ]);
    expect(refs).toEqual([
      ['bill:bill-7', { qboId: '145' }],
      ['purchase_order:po-3', { qboId: '88' }],
      ['invoice:inv-1', { qboId: '130' }],
    ]);
  });

  it('says which bill or purchase order has not synced yet, and in what state it is', () => {
    const { checks, refs } = resolveMappings(
      [need('bill', 'bill-7', 'Bill bill-7 must be synced to QuickBooks before this bill payment can be applied to it.'), need('purchase_order', 'po-3', 'PO needed.')],
      new Map(),
      [dep('bill', 'bill-7', 'BILL-7', 'blocked')],
    );
    expect(refs).toEqual([]);
    expect(checks).toEqual([
      {
        kind: 'bill',
        key: 'bill-7',
        ok: false,
        problem: 'not_synced',
        reason: 'Bill bill-7 must be synced to QuickBooks before this bill payment can be applied to it. Bill BILL-7 has not synced to QuickBooks yet (it is blocked).',
      },
      { kind: 'purchase_order', key: 'po-3', ok: false, problem: 'not_synced', reason: 'PO needed. Purchase order po-3 has not synced to QuickBooks yet.' },
    ]);
  });

  it('keeps the invoice sentence it always had', () => {
    const { checks } = resolveMappings([need('invoice', 'inv-1', 'Invoice inv-1 needed.')], new Map(), [dep('invoice', 'inv-1', 'INV-1', 'syncing')]);
    expect(checks[0]!.reason).toBe('Invoice inv-1 needed. Invoice INV-1 has not synced to QuickBooks yet (it is syncing).');
  });

  it('takes only a record of the same type as the dependency, and not a mapping of the same key', () => {
    const { checks } = resolveMappings(
      [need('bill', 'x-1')],
      new Map([['bill:x-1', active('999')]]),
      [dep('invoice', 'x-1', 'INV-X', 'synced', '130'), dep('bill', 'x-2', 'BILL-X2', 'synced', '131')],
    );
    expect(checks[0]).toMatchObject({ ok: false, problem: 'not_synced' });
  });

  it('still resolves mappings and master records as before', () => {
    const { checks } = resolveMappings(
      [need('account', '1010', 'Bank account 1010 needs an account.'), need('vendor', 'ven-7', 'Vendor ven-7 first.'), need('payment_method', 'cheque', 'Cheque needed.')],
      new Map([['account:1010', active('35', 'Checking')]]),
      [dep('vendor', 'ven-7', 'VEN-7', 'blocked')],
    );
    expect(checks).toEqual([
      { kind: 'account', key: '1010', reason: 'Bank account 1010 needs an account.', ok: true, qboId: '35', qboName: 'Checking' },
      {
        kind: 'vendor',
        key: 'ven-7',
        ok: false,
        problem: 'not_synced',
        reason: 'Vendor ven-7 first. Vendor VEN-7 has not synced to QuickBooks yet (it is blocked); this record continues when it does.',
      },
      { kind: 'payment_method', key: 'cheque', reason: 'Cheque needed.', ok: false, problem: 'missing' },
    ]);
    expect(mappingGapsSentence(checks.filter((c) => !c.ok))).toBe(
      'Map these 2 references to QuickBooks: Vendor ven-7 first. Vendor VEN-7 has not synced to QuickBooks yet (it is blocked); this record continues when it does. Cheque needed.',
    );
  });
});
