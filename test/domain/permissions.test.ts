import { describe, expect, it } from 'vitest';
import {
  actionPermission,
  can,
  isPermission,
  isRole,
  PERMISSION_NAMES,
  PERMISSIONS,
  permissionsOf,
  RECORD_ACTION_PERMISSIONS,
  refusal,
  ROLES,
  rolesFor,
} from '../../domain/permissions.ts';

describe('the permission table', () => {
  it('names only known roles, and at least one for every permission', () => {
    for (const name of PERMISSION_NAMES) {
      expect(rolesFor(name).length, name).toBeGreaterThan(0);
      for (const role of rolesFor(name)) expect(ROLES, `${name}: ${role}`).toContain(role);
      expect(PERMISSIONS[name].allows, name).toMatch(/^[a-z]/);
    }
  });

  it('lets admin do everything', () => {
    expect(permissionsOf('admin')).toEqual(PERMISSION_NAMES);
  });

  it('lets AWRA submit its records and read them back, and nothing else', () => {
    expect(permissionsOf('awra')).toEqual(['records.submit', 'records.read']);
  });

  it('lets finance resolve source-data and duplicate cases and read everything, but not retry, escalate or configure', () => {
    for (const p of ['sync.link', 'sync.create-anyway', 'sync.assign', 'sync.cancel'] as const) expect(can('finance', p), p).toBe(true);
    for (const p of PERMISSION_NAMES.filter((n) => n.endsWith('.read'))) expect(can('finance', p), p).toBe(true);
    for (const p of ['sync.retry', 'sync.escalate', 'bulk-retry', 'mappings.set', 'connections.connect', 'tenants.create', 'tenant.reconcile', 'apikeys.manage', 'records.submit'] as const) {
      expect(can('finance', p), p).toBe(false);
    }
  });

  it('refuses a role it does not know, and names that are not permissions (prototype names included)', () => {
    expect(can('root', 'records.read')).toBe(false);
    expect(can('', 'records.read')).toBe(false);
    expect(isRole('root')).toBe(false);
    expect(isRole('awra')).toBe(true);
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', '', 'sync.*']) expect(isPermission(name), name).toBe(false);
    expect(isPermission('sync.retry')).toBe(true);
  });

  it('gives every record action a sync permission of the same name', () => {
    for (const [action, permission] of Object.entries(RECORD_ACTION_PERMISSIONS)) {
      expect(permission).toBe(`sync.${action}`);
      expect(actionPermission(action as keyof typeof RECORD_ACTION_PERMISSIONS)).toBe(permission);
      expect(isPermission(permission)).toBe(true);
    }
  });

  it('words a refusal with the roles that may, the permission and who asked', () => {
    expect(refusal('sync.retry', 'finance', 'the API key "ops"')).toBe('Only the admin role may retry a record ("sync.retry"); the API key "ops" is finance.');
    expect(refusal('sync.link', 'awra')).toContain('finance or admin');
  });
});
