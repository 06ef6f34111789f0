import { createCipheriv, randomBytes } from 'node:crypto';
import { parseEncryptionKeys } from '../../runtime/secrets.ts';

/**
 * A token as the first format stored it (`v1:<kid>:<iv>:<tag>:<data>`, AES-256-GCM without AAD), made with the first
 * key of `spec`: what a database written before tokens were bound to their tenant and column holds.
 */
export function sealV1(spec: string, plaintext: string): string {
  const [{ id, key }] = parseEncryptionKeys(spec) as [{ id: string; key: Buffer }];
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', id, iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
}
