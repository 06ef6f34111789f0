import { describe, expect, it } from 'vitest';
import { createSecretBox, generateEncryptionKeySpec, parseEncryptionKeys } from '../../runtime/secrets.ts';

describe('token encryption at rest', () => {
  it('round-trips a token and never stores the plaintext', () => {
    const box = createSecretBox(parseEncryptionKeys(generateEncryptionKeySpec('a')));
    const sealed = box.encrypt('eyJ-refresh-token');
    expect(sealed).toMatch(/^v1:a:/);
    expect(sealed).not.toContain('eyJ-refresh-token');
    expect(box.encrypt('eyJ-refresh-token')).not.toBe(sealed);
    expect(box.decrypt(sealed)).toBe('eyJ-refresh-token');
  });

  it('refuses a tampered ciphertext', () => {
    const box = createSecretBox(parseEncryptionKeys(generateEncryptionKeySpec()));
    const parts = box.encrypt('secret').split(':');
    parts[4] = Buffer.from('tampered!').toString('base64');
    expect(() => box.decrypt(parts.join(':'))).toThrow();
  });

  it('rotates keys: the new key encrypts, the old one still decrypts until re-encrypted', () => {
    const oldSpec = generateEncryptionKeySpec('old');
    const newSpec = generateEncryptionKeySpec('new');
    const before = createSecretBox(parseEncryptionKeys(oldSpec)).encrypt('token');
    const rotated = createSecretBox(parseEncryptionKeys(`${newSpec},${oldSpec}`));
    expect(rotated.decrypt(before)).toBe('token');
    expect(rotated.isStale(before)).toBe(true);
    expect(rotated.isStale(rotated.encrypt('token'))).toBe(false);
    expect(() => createSecretBox(parseEncryptionKeys(newSpec)).decrypt(before)).toThrow(/key "old"/);
  });

  it('rejects keys that are not 32 bytes', () => {
    expect(() => parseEncryptionKeys(`k:${Buffer.alloc(16).toString('base64')}`)).toThrow(/32 bytes/);
  });
});
