import { describe, expect, it } from 'vitest';
import { actionRefusal, allowedActions, RECORD_ACTION_NAMES } from '../../domain/actions.ts';
import { RECORD_ACTION_PERMISSIONS } from '../../domain/permissions.ts';
import { FAILURE_CLASSES, SYNC_STATES, TERMINAL_STATES, type FailureClass, type SyncState } from '../../domain/vocabulary.ts';

const blocked = (failureClass: FailureClass) => ({ state: 'blocked' as const, failureClass });
const IN_FLIGHT = SYNC_STATES.filter((s) => s !== 'blocked' && !(TERMINAL_STATES as readonly SyncState[]).includes(s));

describe('the actions a record allows', () => {
  it('names the same eight actions as the permission table, in the order the console offers them', () => {
    expect([...RECORD_ACTION_NAMES]).toEqual(['accept-quickbooks', 'push-again', 'retry', 'link', 'create-anyway', 'escalate', 'assign', 'cancel']);
    expect([...RECORD_ACTION_NAMES].sort()).toEqual(Object.keys(RECORD_ACTION_PERMISSIONS).sort());
  });

  it.each([
    ['source_data', ['retry', 'escalate', 'assign', 'cancel']],
    ['mapping', ['retry', 'escalate', 'assign', 'cancel']],
    ['authorization', ['retry', 'escalate', 'assign', 'cancel']],
    ['duplicate_risk', ['link', 'create-anyway', 'escalate', 'assign', 'cancel']],
    ['provider_rejection', ['retry', 'link', 'escalate', 'assign', 'cancel']],
    ['throttled', ['retry', 'link', 'escalate', 'assign', 'cancel']],
    ['transient', ['retry', 'link', 'escalate', 'assign', 'cancel']],
    ['outcome_uncertain', ['retry', 'link', 'escalate', 'assign', 'cancel']],
  ] as const)('offers a record blocked on %s: %j', (failureClass, expected) => {
    expect(allowedActions(blocked(failureClass))).toEqual(expected);
  });

  it('has a rule for every failure class a record can be blocked on', () => {
    for (const c of FAILURE_CLASSES) expect(allowedActions(blocked(c)), c).toContain('escalate');
  });

  it('lets a record on its way be assigned or cancelled, and nothing else', () => {
    for (const state of IN_FLIGHT) {
      expect(allowedActions({ state, failureClass: null }), state).toEqual(['assign', 'cancel']);
      // A retrying record carries its class; the rule is the state's all the same.
      expect(allowedActions({ state, failureClass: 'transient' }), state).toEqual(['assign', 'cancel']);
    }
  });

  it('allows nothing on a synced, linked or cancelled record', () => {
    for (const state of TERMINAL_STATES) expect(allowedActions({ state, failureClass: null }), state).toEqual([]);
  });

  it('answers every allowed action with null', () => {
    for (const c of FAILURE_CLASSES) {
      for (const action of allowedActions(blocked(c))) expect(actionRefusal(action, blocked(c)), `${action} on ${c}`).toBeNull();
    }
  });
});

describe('deciding on a record changed in QuickBooks after its sync', () => {
  const changed = { kind: 'changed' };
  it('offers both versions on a synced record with drift, and nothing to decide without it', () => {
    expect(allowedActions({ state: 'synced', failureClass: null, drift: changed })).toEqual(['accept-quickbooks', 'push-again']);
    expect(allowedActions({ state: 'linked', failureClass: null, drift: { kind: 'deleted' } })).toEqual(['accept-quickbooks', 'push-again']);
    expect(actionRefusal('push-again', { state: 'synced', failureClass: null, drift: null })).toBe(
      'Nothing was changed in QuickBooks after this record synced, so there is no version to choose.',
    );
  });

  it('holds a newer version for the decision: no retry, link or create anyway meanwhile', () => {
    expect(allowedActions({ state: 'blocked', failureClass: 'duplicate_risk', drift: changed })).toEqual(['accept-quickbooks', 'push-again', 'escalate', 'assign', 'cancel']);
    expect(actionRefusal('create-anyway', { state: 'blocked', failureClass: 'duplicate_risk', drift: changed })).toMatch(/keep QuickBooks' version, or push AWRA's version again/);
  });
});

describe('the refusals, word for word', () => {
  it('says retry, link, create anyway and escalation wait for a block, naming the state in words', () => {
    const at = { state: 'checking_mappings' as const, failureClass: null };
    expect(actionRefusal('retry', at)).toBe('A retry is only possible while the record is blocked; it is checking mappings.');
    expect(actionRefusal('link', at)).toBe('Linking to an existing QuickBooks entity is only possible while the record is blocked; it is checking mappings.');
    expect(actionRefusal('create-anyway', at)).toBe('"Create anyway" is only possible while the record is blocked; it is checking mappings.');
    expect(actionRefusal('escalate', at)).toBe('Escalation is only possible while the record is blocked; it is checking mappings.');
    expect(actionRefusal('retry', { state: 'synced', failureClass: null })).toBe('A retry is only possible while the record is blocked; it is synced.');
    expect(actionRefusal('escalate', { state: 'retrying', failureClass: 'throttled' })).toBe('Escalation is only possible while the record is blocked; it is retrying.');
  });

  it('sends a retry of a possible duplicate to link or create anyway', () => {
    expect(actionRefusal('retry', blocked('duplicate_risk'))).toBe(
      'This record may already exist in QuickBooks: choose "link to existing" or "create anyway" instead of retrying.',
    );
  });

  it('says "create anyway" answers only a duplicate risk', () => {
    for (const c of FAILURE_CLASSES.filter((c) => c !== 'duplicate_risk')) {
      expect(actionRefusal('create-anyway', blocked(c)), c).toBe('"Create anyway" answers a duplicate risk; this record is not blocked on one.');
    }
  });

  it('sends a link to the fix first while the record, a mapping or the connection needs one', () => {
    expect(actionRefusal('link', blocked('source_data'))).toBe('Correct the record in AWRA first; it is not ready to sync.');
    expect(actionRefusal('link', blocked('mapping'))).toBe(
      'Fix the missing mapping first: a record can be linked only once every reference it needs maps to QuickBooks.',
    );
    expect(actionRefusal('link', blocked('authorization'))).toBe('An admin must fix the QuickBooks connection first: linking reads the entity from QuickBooks.');
  });

  it('says a finished record has nothing to assign or cancel, naming how it finished', () => {
    expect(actionRefusal('assign', { state: 'synced', failureClass: null })).toBe('This record is already synced; there is nothing to assign.');
    expect(actionRefusal('cancel', { state: 'linked', failureClass: null })).toBe('This record is already linked; there is nothing to cancel.');
    expect(actionRefusal('assign', { state: 'cancelled', failureClass: null })).toBe('This record is already cancelled; there is nothing to assign.');
  });
});
