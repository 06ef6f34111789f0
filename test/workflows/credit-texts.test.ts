import { describe, expect, it } from 'vitest';
import { BLOCKS, EVENTS } from '../../workflows/sync-record/texts.ts';

/** The sentences a credit note's application writes for a finance clerk (workflows/sync-record/texts.ts). */
describe('credit application sentences', () => {
  const creditMemo = { entity: 'CreditMemo', qboId: '210' };

  it('says the credit note was applied, to which invoices, by which Payment — or that an earlier one was adopted', () => {
    expect(EVENTS.creditApplied('CN-1', ['INV-1'], '301', false)).toBe('Credit note CN-1 applied in QuickBooks to invoice INV-1 (Payment 301).');
    expect(EVENTS.creditApplied('CN-1', ['INV-1', 'INV-2'], '301', true)).toBe(
      'Credit note CN-1 was already applied in QuickBooks to invoices INV-1 and INV-2 (Payment 301) by an earlier attempt whose answer was lost; adopted it instead of applying it twice.',
    );
    expect(EVENTS.creditApply('CN-1', creditMemo, 2, 'qsh-x-v1-a2')).toBe('Applying credit note CN-1 (CreditMemo 210) to its 2 invoices in QuickBooks (request qsh-x-v1-a2).');
  });

  it('asks finance to check the invoices when QuickBooks refuses the application, keeping the credit memo in view', () => {
    const t = BLOCKS.creditNotApplied('CN-1', creditMemo, 'QuickBooks error 6000: more than its open balance', 'provider_rejection');
    expect(t.action).toBe(
      'CN-1 is in QuickBooks as CreditMemo 210, but QuickBooks refused to apply it to its invoices: QuickBooks error 6000: more than its open balance. Check those invoices in QuickBooks (one already paid, credited or voided cannot take the credit), then retry; or correct the credit note in AWRA (a new version resumes it).',
    );
    expect(t.event).toBe('QuickBooks did not apply CreditMemo 210 to its invoices: QuickBooks error 6000: more than its open balance');
  });

  it('says a retry after QuickBooks kept failing sends only the application, and a lost connection needs an admin', () => {
    expect(BLOCKS.creditNotApplied('CN-1', creditMemo, 'no answer', 'outcome_uncertain').action).toMatch(/^CN-1 is in QuickBooks as CreditMemo 210, but applying it to its invoices kept failing \(no answer\)\. .*only the application is sent, not the credit memo\.$/);
    expect(BLOCKS.creditNotApplied('CN-1', creditMemo, 'token refused', 'authorization').action).toBe(
      'An admin must reconnect QuickBooks (token refused); CN-1 is in QuickBooks as CreditMemo 210 and is applied to its invoices by itself afterwards.',
    );
  });

  it('tells the void of an application apart from the void of the credit memo', () => {
    const application = { entity: 'Payment' as const, qboId: '301' };
    expect(EVENTS.applicationVoided('CN-1', application, false)).toBe('QuickBooks voided Payment 301, which applied CN-1 to invoices; they are open again.');
    expect(EVENTS.applicationVoided('CN-1', application, true)).toBe('Payment 301, which applied CN-1 to invoices, had already been deleted in QuickBooks.');
  });
});
