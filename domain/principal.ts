/** Who is acting: an API key (AWRA, scripts) or a person signed in to the console (name = their email). */
export interface Principal {
  kind: 'api_key' | 'user';
  id: number;
  name: string;
  role: 'admin' | 'finance' | 'awra';
  /** Null: may act for every tenant. */
  tenantId: string | null;
}

/** The principal an API key acts as. */
export function keyPrincipal(key: { id: number; name: string; role: Principal['role']; tenantId: string | null }): Principal {
  return { kind: 'api_key', id: key.id, name: key.name, role: key.role, tenantId: key.tenantId };
}

/** The principal a signed-in person acts as (name = their email). */
export function userPrincipal(user: { id: number; email: string; role: Principal['role']; tenantId: string | null }): Principal {
  return { kind: 'user', id: user.id, name: user.email, role: user.role, tenantId: user.tenantId };
}

/** A principal bound to one tenant acts for that tenant only; one without a tenant acts for all. */
export function canActForTenant(p: Principal, tenantId: string): boolean {
  return p.tenantId === null || p.tenantId === tenantId;
}

/** How the principal appears in audit trails and timelines: `user:<email>` or `api-key:<name>`. */
export function actorOf(p: Principal): string {
  return p.kind === 'user' ? `user:${p.name}` : `api-key:${p.name}`;
}
