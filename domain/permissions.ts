/**
 * Who may do what: the one table the JSON API (`requirePermission` in web/api/auth.ts, record actions in
 * services/record-actions.ts) and the console (`can` in web/console/env.ts) both read. A role here is an API key's role or a
 * console user's role; which tenants a principal may act for is a separate question (its `tenantId`).
 */

/** `awra`: what AWRA's ERP holds. `finance`: people resolving records. `admin`: everything. */
export const ROLES = ['awra', 'finance', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

interface PermissionSpec {
  roles: readonly Role[];
  /** What it allows, completing "may …" (README and refusals use it). */
  allows: string;
}

const READERS = ['finance', 'admin'] as const;

export const PERMISSIONS = {
  'records.submit': { roles: ['awra', 'admin'], allows: 'submit AWRA records' },
  'records.read': { roles: ['awra', 'finance', 'admin'], allows: "read a record's sync chain" },
  'queue.read': { roles: READERS, allows: 'read the action queue and the overview' },
  'tenants.read': { roles: READERS, allows: 'list tenants' },
  'mappings.read': { roles: READERS, allows: 'read mappings and mapping health' },
  'connections.read': { roles: READERS, allows: 'read QuickBooks connection health' },
  'close.read': { roles: READERS, allows: 'read close readiness and export its evidence' },
  'audit.read': { roles: READERS, allows: 'read the audit log' },
  'sync.link': { roles: READERS, allows: 'link a record to an existing QuickBooks entity' },
  'sync.create-anyway': { roles: READERS, allows: 'create a record despite a duplicate risk' },
  'sync.assign': { roles: READERS, allows: 'assign a record' },
  'sync.cancel': { roles: READERS, allows: "cancel a record's sync" },
  'sync.retry': { roles: ['admin'], allows: 'retry a record' },
  'sync.accept-quickbooks': { roles: READERS, allows: "keep QuickBooks' version of a record changed there" },
  'sync.push-again': { roles: READERS, allows: "push AWRA's version of a record changed in QuickBooks again" },
  'sync.escalate': { roles: ['admin'], allows: 'escalate a record' },
  'bulk-retry': { roles: ['admin'], allows: 'retry a whole group of the queue' },
  'mappings.set': { roles: ['admin'], allows: 'set and remove mappings' },
  'connections.connect': { roles: ['admin'], allows: 'connect QuickBooks' },
  'tenants.create': { roles: ['admin'], allows: 'create tenants' },
  'tenant.reconcile': { roles: ['admin'], allows: "run a tenant's reconciler" },
  'apikeys.manage': { roles: ['admin'], allows: 'list, create and revoke API keys' },
  'notifications.ledger': { roles: ['admin'], allows: "list every notification sent or attempted for a tenant" },
  'notifications.routes': { roles: ['admin'], allows: 'set who is notified of what (routing, escalation contacts, webhooks)' },
} as const satisfies Record<string, PermissionSpec>;

export type Permission = keyof typeof PERMISSIONS;
export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && Object.hasOwn(PERMISSIONS, value);
}

export function can(role: string, permission: Permission): boolean {
  return (PERMISSIONS[permission].roles as readonly string[]).includes(role);
}

export function rolesFor(permission: Permission): readonly Role[] {
  return PERMISSIONS[permission].roles;
}

/** The permissions a role holds, in table order. */
export function permissionsOf(role: Role): Permission[] {
  return PERMISSION_NAMES.filter((p) => can(role, p));
}

/** A refusal people can act on, e.g. `Retry a record needs the admin role; this key is finance.` */
export function refusal(permission: Permission, role: string, who = 'this key'): string {
  const roles = rolesFor(permission);
  const allows = PERMISSIONS[permission].allows;
  return `Only the ${roles.join(' or ')} role may ${allows} ("${permission}"); ${who} is ${role}.`;
}

/** The permission each human action on a record needs. */
export const RECORD_ACTION_PERMISSIONS = {
  retry: 'sync.retry',
  link: 'sync.link',
  'create-anyway': 'sync.create-anyway',
  escalate: 'sync.escalate',
  assign: 'sync.assign',
  cancel: 'sync.cancel',
  'accept-quickbooks': 'sync.accept-quickbooks',
  'push-again': 'sync.push-again',
} as const satisfies Record<string, Permission>;

export type RecordActionName = keyof typeof RECORD_ACTION_PERMISSIONS;

export function actionPermission(action: RecordActionName): Permission {
  return RECORD_ACTION_PERMISSIONS[action];
}
