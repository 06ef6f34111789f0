import type { ConsoleUser } from '../../db/queries/users.ts';
import { can as canRole, type Permission } from '../../domain/permissions.ts';
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

/**
 * What a console user may do: the one permission table of domain/permissions.ts, which the JSON API reads too.
 * Console users are admin or finance; both hold every reading permission.
 */
export { PERMISSIONS, type Permission } from '../../domain/permissions.ts';

export function can(user: Pick<ConsoleUser, 'role'>, permission: Permission): boolean {
  return canRole(user.role, permission);
}

/** The tenant a request is about: a tenant-bound user only ever sees their own. */
export function effectiveTenant(user: Pick<ConsoleUser, 'tenantId'>, requested: string | undefined): string | undefined {
  return user.tenantId ?? (requested || undefined);
}

export function canSeeTenant(user: Pick<ConsoleUser, 'tenantId'>, tenantId: string): boolean {
  return user.tenantId === null || user.tenantId === tenantId;
}
