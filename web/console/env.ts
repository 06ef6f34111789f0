import type { ConsoleUser } from '../../db/queries/users.ts';
import type { AppEnv } from '../deps.ts';

/** What console handlers find on the context, besides the app's deps and the acting principal. */
export type ConsoleVariables = AppEnv['Variables'] & {
  /** The signed-in person (set by `loadSession`). */
  user: ConsoleUser;
  /** The session's CSRF token, for forms and the `hx-headers` on <body>. */
  csrfToken: string;
  /** True when htmx asked (HX-Request) and only the fragment should be sent. */
  fragment: boolean;
};

export type ConsoleEnv = { Variables: ConsoleVariables };

/** What a role may do in the console. Both roles read everything of their tenants. */
export const PERMISSIONS = {
  retry: ['admin'],
  escalate: ['admin'],
  'bulk-retry': ['admin'],
  'mapping.set': ['admin'],
  'connection.connect': ['admin'],
  'tenant.reconcile': ['admin'],
  link: ['admin', 'finance'],
  'create-anyway': ['admin', 'finance'],
  assign: ['admin', 'finance'],
  cancel: ['admin', 'finance'],
} as const satisfies Record<string, ReadonlyArray<ConsoleUser['role']>>;

export type Permission = keyof typeof PERMISSIONS;

export function can(user: Pick<ConsoleUser, 'role'>, permission: Permission): boolean {
  return (PERMISSIONS[permission] as ReadonlyArray<string>).includes(user.role);
}

/** The tenant a request is about: a tenant-bound user only ever sees their own. */
export function effectiveTenant(user: Pick<ConsoleUser, 'tenantId'>, requested: string | undefined): string | undefined {
  return user.tenantId ?? (requested || undefined);
}

export function canSeeTenant(user: Pick<ConsoleUser, 'tenantId'>, tenantId: string): boolean {
  return user.tenantId === null || user.tenantId === tenantId;
}
