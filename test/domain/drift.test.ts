import { describe, expect, it } from 'vitest';
import { compareSnapshots, detectDrift, driftSentence, isVoided, snapshotOf } from '../../domain/drift.ts';

const bill = (over: Record<string, unknown> = {}) => ({
  Id: '145',
  SyncToken: '0',
  TxnDate: '2026-11-03',
  TotalAmt: 1200,
  VendorRef: { value: '56', name: 'Nairobi Office Supplies Ltd' },
  PrivateNote: 'AWRA BILL-2026-0001 (src bill-1 v1)',
  Line: [
    { Id: '1', Amount: 1200, DetailType: 'ItemBasedExpenseLineDetail', ItemBasedExpenseLineDetail: { ItemRef: { value: '7', name: 'Maintenance visit' }, Qty: 2, UnitPrice: 600 } },
    { Amount: 1200, DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} },
  ],
  MetaData: { LastUpdatedTime: '2026-11-04T09:00:00-08:00' },
  ...over,
});
const sent = snapshotOf('Bill', bill())!;
const ref = { entity: 'Bill', qboId: '145', syncToken: '0', sent };
const at = '2026-11-05T10:00:00.000Z';

describe('snapshots of what a sync left in QuickBooks', () => {
  it('keeps amount, party, date and lines (not subtotal lines), and nothing for master records', () => {
    expect(sent).toEqual({
      total: '1200',
      party: '56',
      partyName: 'Nairobi Office Supplies Ltd',
      date: '2026-11-03',
      lines: ['2 × Maintenance visit (item 7) = 1,200.00'],
      lineKeys: ['item:7|2|1200'],
    });
    expect(snapshotOf('Vendor', { Id: '1', DisplayName: 'x' })).toBeUndefined();
  });

  it('reads payment lines by the documents they settle', () => {
    const s = snapshotOf('BillPayment', { TotalAmt: 50, VendorRef: { value: '56' }, Line: [{ Amount: 50, LinkedTxn: [{ TxnId: '145', TxnType: 'Bill' }] }] })!;
    expect(s.lines).toEqual(['Bill 145 = 50.00']);
  });
});

describe('drift between the sync and QuickBooks now', () => {
  it('is none while the SyncToken has not moved, or when only other parts changed', () => {
    expect(detectDrift(ref, { entity: bill() }, at)).toBeNull();
    expect(detectDrift(ref, { entity: bill({ SyncToken: '1', PrivateNote: 'edited memo', Balance: 0 }) }, at)).toBeNull();
    // A renamed item is the same line.
    const renamed = bill({ SyncToken: '2' });
    (renamed.Line[0] as { ItemBasedExpenseLineDetail: { ItemRef: { name: string } } }).ItemBasedExpenseLineDetail.ItemRef.name = 'Site visit';
    expect(detectDrift(ref, { entity: renamed }, at)).toBeNull();
  });

  it('names the changed parts with both values', () => {
    const d = detectDrift(ref, { entity: bill({ SyncToken: '1', TotalAmt: 1300, TxnDate: '2026-11-04' }) }, at)!;
    expect(d).toMatchObject({ kind: 'changed', detectedAt: at, changedAt: '2026-11-04T09:00:00-08:00', fields: ['amount', 'date'], qboSyncToken: '1' });
    expect(d.changes).toEqual([
      { field: 'amount', label: 'Amount', awra: '1,200.00', qbo: '1,300.00' },
      { field: 'date', label: 'Date', awra: '2026-11-03', qbo: '2026-11-04' },
    ]);
    expect(driftSentence(d, 'Bill', '145')).toBe('Someone changed the amount and date of Bill 145 in QuickBooks after it synced.');
  });

  it('tells a party and a line change apart from a rename', () => {
    const edited = bill({ SyncToken: '3', VendorRef: { value: '57', name: 'Other Ltd' } });
    (edited.Line[0] as { Amount: number }).Amount = 1100;
    const d = detectDrift(ref, { entity: edited }, at)!;
    expect(d.fields).toEqual(['party', 'lines']);
    expect(d.changes[0]).toMatchObject({ awra: 'Nairobi Office Supplies Ltd (56)', qbo: 'Other Ltd (57)' });
    expect(d.changes[1]).toMatchObject({ awra: '2 × Maintenance visit (item 7) = 1,200.00', qbo: '2 × Maintenance visit (item 7) = 1,100.00' });
  });

  it('sees deleted and voided entities', () => {
    expect(detectDrift(ref, { deleted: true, changedAt: 'x' }, at)).toEqual({ kind: 'deleted', detectedAt: at, changedAt: 'x', fields: [], changes: [] });
    const voided = bill({ SyncToken: '1', TotalAmt: 0, PrivateNote: 'Voided', Line: [] });
    expect(isVoided(voided)).toBe(true);
    expect(detectDrift(ref, { entity: voided }, at)).toMatchObject({ kind: 'voided', fields: [] });
    expect(isVoided(bill({ PrivateNote: 'Voided by mistake, see note', TotalAmt: 12 }))).toBe(false);
  });

  it('calls a moved SyncToken a change of unknown parts when the sync kept no snapshot', () => {
    const d = detectDrift({ entity: 'Bill', syncToken: '0' }, { entity: bill({ SyncToken: '4' }) }, at)!;
    expect(d).toMatchObject({ kind: 'changed', fields: [], changes: [] });
    expect(driftSentence(d, 'Bill', '145')).toMatch(/which parts changed is not known/);
  });

  it('compares snapshots field by field', () => {
    expect(compareSnapshots(sent, sent)).toEqual([]);
  });
});
