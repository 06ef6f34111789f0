import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encryption at rest for OAuth tokens: AES-256-GCM with a random 96-bit IV per value. Ciphertexts carry the id of
 * the key that made them (`v1:<kid>:<iv>:<tag>:<data>`), so keys can be rotated: put the new key first in
 * TOKEN_ENCRYPTION_KEYS, keep the old ones after it until `npm run tokens:reencrypt` has rewritten every token, then
 * drop them.
 */
export interface SecretBox {
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
  /** Whether a ciphertext was made with an older key (re-encrypt it). */
  isStale(ciphertext: string): boolean;
}

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** Parses `kid:base64key[,kid:base64key…]`; the first is used to encrypt, all to decrypt. */
export function parseEncryptionKeys(spec: string): EncryptionKey[] {
  const keys = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [id, b64] = entry.includes(':') ? (entry.split(':', 2) as [string, string]) : ['k1', entry];
      const key = Buffer.from(b64, 'base64');
      if (key.length !== 32) throw new Error(`Token encryption key "${id}" must be 32 bytes, base64-encoded (got ${key.length}).`);
      if (!/^[A-Za-z0-9_-]{1,20}$/.test(id)) throw new Error(`Token encryption key id "${id}" must be 1-20 letters, digits, "-" or "_".`);
      return { id, key };
    });
  if (keys.length === 0) throw new Error('No token encryption key given.');
  return keys;
}

export function generateEncryptionKeySpec(id = 'k1'): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

export function createSecretBox(keys: EncryptionKey[]): SecretBox {
  const [current] = keys;
  if (!current) throw new Error('No token encryption key given.');
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  return {
    encrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', current.id, iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
    },
    decrypt(ciphertext) {
      const parts = ciphertext.split(':');
      if (parts.length !== 5 || parts[0] !== 'v1') throw new Error('Not an encrypted token (expected v1:kid:iv:tag:data).');
      const [, kid, iv, tag, data] = parts as [string, string, string, string, string];
      const key = byId.get(kid);
      if (!key) throw new Error(`Token was encrypted with key "${kid}", which is not configured (TOKEN_ENCRYPTION_KEYS).`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
    },
    isStale(ciphertext) {
      return ciphertext.split(':')[1] !== current.id;
    },
  };
}
