import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encryption at rest for OAuth tokens: AES-256-GCM with a random 96-bit IV and a 128-bit tag per value. Ciphertexts
 * carry the id of the key that made them (`v2:<kid>:<iv>:<tag>:<data>`), so keys can be rotated: put the new key
 * first in TOKEN_ENCRYPTION_KEYS, keep the old ones after it until `npm run tokens:reencrypt` has rewritten every
 * token, then drop them.
 *
 * Each value is bound to where it is stored by the additional authenticated data (`<tenantId>:<column>`, see
 * `tokenAad`): a ciphertext copied to another tenant's row or to the other token column no longer decrypts. The
 * first format (`v1:…`) had no AAD; it is still read, and counts as stale so that the re-encryption rewrites it.
 */
export interface SecretBox {
  /** `aad` names where the value is stored; decrypting needs the same `aad`. */
  encrypt(plaintext: string, aad: string): string;
  decrypt(ciphertext: string, aad: string): string;
  /** Whether a ciphertext was made with an older key or format (re-encrypt it). */
  isStale(ciphertext: string): boolean;
}

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** The encrypted columns of a QuickBooks connection row (db/schema.ts `qbo_connections`). */
export type TokenColumn = 'access_token' | 'refresh_token' | 'client_secret';

/** The AAD of an encrypted column of a tenant's row: the tenant id holds no ':' (tenantIdSchema). */
export function tokenAad(tenantId: string, column: TokenColumn): string {
  return `${tenantId}:${column}`;
}

const FORMAT = 'v2';
const LEGACY_FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Parses `kid:base64key[,kid:base64key…]`; the first is used to encrypt, all to decrypt. */
export function parseEncryptionKeys(spec: string): EncryptionKey[] {
  const keys = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [id, b64] = entry.includes(':') ? (entry.split(':', 2) as [string, string]) : ['k1', entry];
      const key = Buffer.from(b64, 'base64');
      if (key.length !== 32) throw new Error(`Encryption key "${id}" must be 32 bytes, base64-encoded (got ${key.length}).`);
      if (!/^[A-Za-z0-9_-]{1,20}$/.test(id)) throw new Error(`Encryption key id "${id}" must be 1-20 letters, digits, "-" or "_".`);
      return { id, key };
    });
  if (keys.length === 0) throw new Error('No encryption key given.');
  return keys;
}

export function generateEncryptionKeySpec(id = 'k1'): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

export function createSecretBox(keys: EncryptionKey[]): SecretBox {
  const [current] = keys;
  if (!current) throw new Error('No encryption key given.');
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  return {
    encrypt(plaintext, aad) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [FORMAT, current.id, iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
    },
    decrypt(ciphertext, aad) {
      const parts = ciphertext.split(':');
      if (parts.length !== 5 || (parts[0] !== FORMAT && parts[0] !== LEGACY_FORMAT)) throw new Error('Not an encrypted token (expected v2:kid:iv:tag:data).');
      const [format, kid, ivText, tagText, data] = parts as [string, string, string, string, string];
      const key = byId.get(kid);
      if (!key) throw new Error(`Token was encrypted with key "${kid}", which is not configured (TOKEN_ENCRYPTION_KEYS).`);
      const iv = Buffer.from(ivText, 'base64');
      const tag = Buffer.from(tagText, 'base64');
      // GCM accepts shorter tags, and a short tag is far easier to forge: only the full 16 bytes are accepted.
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error(`Encrypted token is malformed (a ${IV_BYTES}-byte iv and a ${TAG_BYTES}-byte tag are required).`);
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      if (format === FORMAT) decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
    },
    isStale(ciphertext) {
      const [format, kid] = ciphertext.split(':');
      return format !== FORMAT || kid !== current.id;
    },
  };
}
