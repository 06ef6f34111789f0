import type { ApiKeyInfo } from '../../../db/queries/api-keys.ts';
import type { ConsoleUser } from '../../../db/queries/users.ts';
import type { Tenant } from '../../../db/schema.ts';
import { PERMISSIONS, permissionsOf, ROLES, type Role } from '../../../domain/permissions.ts';
import { Badge, CsrfField, DataTable, Field, Flash, Time } from './components.tsx';

export interface ApiKeyFormValues {
  name?: string;
  role?: string;
  tenantId?: string;
}

export interface ApiKeysViewProps {
  user: ConsoleUser;
  csrf: string;
  /** The tenants this admin may make keys for. */
  tenants: Tenant[];
  keys: ApiKeyInfo[];
  form: { values: ApiKeyFormValues; errors?: Record<string, string> };
  /** A key just made: the only time it is shown. */
  created?: { key: string; apiKey: ApiKeyInfo };
  flash?: { tone: 'ok' | 'error' | 'info'; text: string };
}

const ROLE_HINTS: Record<Role, string> = {
  awra: "AWRA's ERP: submits records and reads them back",
  finance: 'resolves records: link, create anyway, assign, cancel; reads everything',
  admin: 'everything, including mappings, connections, retries and keys',
};

/** What a role may do, in the permission table's own words. */
const roleAllows = (role: Role) => permissionsOf(role).map((p) => PERMISSIONS[p].allows).join(', ');

const KeyRow = (p: { k: ApiKeyInfo; csrf: string }) => {
  const { k } = p;
  const label = `${k.name} (${k.prefix ?? `#${k.id}`})`;
  return (
    <tr id={`api-key-${k.id}`} class={k.revokedAt ? 'muted' : undefined}>
      <td>{k.name}</td>
      <td>{k.prefix ? <code>{k.prefix}…</code> : <span class="muted">—</span>}</td>
      <td>
        <span title={roleAllows(k.role)}>{k.role}</span>
        {k.dev ? <span class="muted small"> (development)</span> : null}
      </td>
      <td>{k.tenantId ?? <span class="muted">every tenant</span>}</td>
      <td class="small">{k.createdBy ?? <span class="muted">—</span>}</td>
      <td>
        <Time at={k.createdAt} />
      </td>
      <td>
        <Time at={k.lastUsedAt} />
      </td>
      <td>
        {k.revokedAt ? (
          <Badge tone="neutral" title={`Revoked ${k.revokedAt.toISOString()}`}>
            Revoked
          </Badge>
        ) : (
          <form
            method="post"
            action={`/api-keys/${k.id}/revoke`}
            class="inline"
            hx-post={`/api-keys/${k.id}/revoke`}
            hx-target="#api-keys"
            hx-swap="outerHTML"
            hx-confirm={`Revoke the key ${label}? Whatever uses it is refused from now on; this cannot be undone.`}
          >
            <CsrfField token={p.csrf} />
            <button type="submit" class="danger">
              Revoke
            </button>
          </form>
        )}
      </td>
    </tr>
  );
};

const CreateForm = (p: ApiKeysViewProps) => {
  const v = p.form.values;
  const err = p.form.errors ?? {};
  const allTenants = p.user.tenantId === null;
  return (
    <form method="post" action="/api-keys" hx-post="/api-keys" hx-target="#api-keys" hx-swap="outerHTML" class="card" id="api-key-form">
      <h2>New key</h2>
      <CsrfField token={p.csrf} />
      {err.form ? <Flash tone="error">{err.form}</Flash> : null}
      <div class="filters">
        <Field label="Name" error={err.name}>
          <input type="text" name="name" value={v.name ?? ''} maxlength={100} placeholder="AWRA ERP production" autocomplete="off" />
        </Field>
        <Field label="Role" error={err.role}>
          <select name="role">
            {ROLES.map((r) => (
              <option value={r} selected={r === (v.role ?? 'awra')}>
                {r} — {ROLE_HINTS[r]}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Tenant" error={err.tenantId}>
          <select name="tenantId">
            {allTenants ? (
              <option value="" selected={!v.tenantId}>
                Every tenant
              </option>
            ) : null}
            {p.tenants.map((t) => (
              <option value={t.id} selected={t.id === v.tenantId}>
                {t.name} ({t.id})
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" class="primary">
          Create key
        </button>
      </div>
      <p class="hint">An AWRA key should name its tenant: it can then only submit and read that tenant's records.</p>
    </form>
  );
};

/** The list, the form and (once) a new key: the part every action answers with. */
export const ApiKeysBody = (p: ApiKeysViewProps) => (
  <div id="api-keys">
    {p.created ? (
      <div class="callout callout-ok" id="new-api-key" role="status">
        <p class="cause">
          Key “{p.created.apiKey.name}” created. Copy it now: it is not shown again.
        </p>
        <p>
          <input type="text" readonly value={p.created.key} aria-label="The new API key" size={60} autocomplete="off" />
        </p>
        <p class="hint">
          Only its first characters ({p.created.apiKey.prefix}) are kept, to tell it apart in this list. Send it as
          “Authorization: Bearer &lt;key&gt;”. If it is lost, revoke it and create another.
        </p>
      </div>
    ) : null}
    {p.flash ? <Flash tone={p.flash.tone}>{p.flash.text}</Flash> : null}
    <DataTable
      columns={['Name', 'Prefix', 'Role', 'Tenant', 'Created by', 'Created', 'Last used', '']}
      rows={p.keys}
      empty="No API keys yet."
      row={(k) => <KeyRow k={k} csrf={p.csrf} />}
    />
    <CreateForm {...p} />
  </div>
);

export const ApiKeysPage = (p: ApiKeysViewProps) => (
  <>
    <div class="page-head">
      <h1>API keys</h1>
      <p class="muted">
        Keys for the JSON API (/api/v1): AWRA's ERP, scripts, checks. The role decides what a key may do, the tenant
        which records; a revoked key is refused at once. “Last used” is updated every few minutes.
      </p>
    </div>
    <ApiKeysBody {...p} />
  </>
);
