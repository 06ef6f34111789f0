import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ENTITY_NAMES, type EntityName, type QboObject } from './types.ts';

/**
 * All simulator state in one plain, JSON-serialisable object, so that persistence is a snapshot and reset is a
 * reassignment. Entities are stored as the JSON QBO returns (refs carry ids; names are filled when rendered).
 */

export interface CompanyPrefs {
  homeCurrency: string;
  multicurrency: boolean;
  closingDate?: string;
  /** "Custom transaction numbers": when off, invoices without DocNumber get the next number (reference §5.4). */
  customTxnNumbers: boolean;
}

export interface Tombstone {
  entity: EntityName;
  Id: string;
  deletedAt: number;
}

export interface CompanyState {
  realmId: string;
  companyName: string;
  country: string;
  clientId: string;
  createdAt: number;
  prefs: CompanyPrefs;
  prefsSyncToken: number;
  prefsUpdatedAt: number;
  entities: Record<EntityName, Record<string, QboObject>>;
  /** Ms of the last write per entity id, for CDC (MetaData keeps only seconds). */
  changedAt: Record<string, number>;
  tombstones: Tombstone[];
  /** Id sequences: one per name list, one shared by all transactions (as QBO's TxnId), one for invoice numbers. */
  seq: Record<string, number>;
  /** Tax rate in percent per TaxCode id; QBO keeps rates in TaxRate entities, which the simulator does not expose. */
  taxRates: Record<string, number>;
}

export interface ClientApp {
  clientId: string;
  clientSecret: string;
}

export interface Grant {
  id: string;
  realmId: string;
  clientId: string;
  scope: string[];
  createdAt: number;
  refreshToken: string;
  refreshIssuedAt: number;
  refreshExpiresAt: number;
  revoked: boolean;
}

export interface TokenRecord {
  kind: 'access' | 'refresh' | 'code';
  grantId?: string;
  realmId: string;
  clientId: string;
  scope: string[];
  issuedAt: number;
  expiresAt: number;
  revoked?: boolean;
  /** For a refresh token replaced by rotation. */
  supersededAt?: number;
  /** For an authorization code: single use, bound to its redirect_uri. */
  redirectUri?: string;
  used?: boolean;
}

export interface StoredResponse {
  status: number;
  body: string;
  contentType: string;
  fingerprint: string;
  at: number;
}

export interface SimState {
  version: 1;
  companies: Record<string, CompanyState>;
  clients: Record<string, ClientApp>;
  grants: Record<string, Grant>;
  tokens: Record<string, TokenRecord>;
  /** requestid replay cache, keyed "realmId:requestid". */
  replay: Record<string, StoredResponse>;
  webhook?: { url: string; verifierToken: string };
}

export function emptyState(): SimState {
  return { version: 1, companies: {}, clients: {}, grants: {}, tokens: {}, replay: {} };
}

export function emptyEntities(): Record<EntityName, Record<string, QboObject>> {
  return Object.fromEntries(ENTITY_NAMES.map((e) => [e, {}])) as Record<EntityName, Record<string, QboObject>>;
}

export function loadState(file: string): SimState {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as SimState;
    if (parsed.version !== 1) return emptyState();
    for (const company of Object.values(parsed.companies)) {
      company.entities = { ...emptyEntities(), ...company.entities };
    }
    return parsed;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw err;
  }
}

/** Writes through a temporary file and a rename so a crash never leaves half a snapshot. */
export function saveState(file: string, state: SimState): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, file);
}

/** Debounced persistence: many writes in a burst become one snapshot. */
export class Persister {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string | undefined,
    private readonly getState: () => SimState,
    private readonly delayMs = 100,
  ) {}

  changed(): void {
    if (!this.file || this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.delayMs);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.file) saveState(this.file, this.getState());
  }
}

export function nextSeq(company: CompanyState, key: string, start = 1): number {
  const next = (company.seq[key] ?? start - 1) + 1;
  company.seq[key] = next;
  return next;
}
