import { describe, expect, it } from 'vitest';
import { voidOperationFor, voidSteps } from '../../domain/voids.ts';

describe('void steps', () => {
  const creditMemo = { entity: 'CreditMemo', qboId: '210' };
  const application = { entity: 'Payment' as const, qboId: '301' };

  it('voids an applied credit note\'s application Payment before its CreditMemo', () => {
    expect(voidSteps({ ...creditMemo, application })).toEqual(['application', 'entity']);
  });

  it('leaves out what a refused-then-retried void already did', () => {
    expect(voidSteps({ ...creditMemo, application: { ...application, voided: 'voided' } })).toEqual(['entity']);
    expect(voidSteps({ ...creditMemo, voided: 'voided', application: { ...application, voided: 'voided' } })).toEqual([]);
  });

  it('has only the entity to change for anything that applies nothing', () => {
    expect(voidSteps(creditMemo)).toEqual(['entity']);
    expect(voidSteps({ entity: 'Bill', qboId: '7' })).toEqual(['entity']);
    expect(voidOperationFor('credit_note')).toBe('void');
  });
});
