import { describe, expect, it } from 'vitest';
import { createSecretBox, generateEncryptionKeySpec, parseEncryptionKeys, tokenAad } from '../../runtime/secrets.ts';
import { sealV1 } from '../support/legacy-token.ts';

const ACME_REFRESH = tokenAad('acme', 'refresh_token');

describe('token encryption at rest', () => {
  it('round-trips a token and never stores the plaintext', () => {
    const box = createSecretBox(parseEncryptionKeys(generateEncryptionKeySpec('a')));
    const sealed = box.encrypt('eyJ-refresh-token', ACME_REFRESH);
    expect(sealed).toMatch(/^v2:a:/);
    expect(sealed).not.toContain('eyJ-refresh-token');
    expect(box.encrypt('eyJ-refresh-token', ACME_REFRESH)).not.toBe(sealed);
    expect(box.decrypt(sealed, ACME_REFRESH)).toBe('eyJ-refresh-token');
    expect(box.isStale(sealed)).toBe(false);
  });

  it('refuses a ciphertext moved to another tenant or to the other token column', () => {
    const box = createSecretBox(parseEncryptionKeys(generateEncryptionKeySpec()));
    const sealed = box.encrypt('eyJ-refresh-token', ACME_REFRESH);
    expect(() => box.decrypt(sealed, tokenAad('globex', 'refresh_token'))).toThrow(/authenticate/);
    expect(() => box.decrypt(sealed, tokenAad('acme', 'access_token'))).toThrow(/authenticate/);
    expect(() => box.decrypt(sealed, tokenAad('acme', 'client_secret'))).toThrow(/authenticate/);
  });

  it('refuses a tampered ciphertext', () => {
    const box = createSecretBox(parseEncryptionKeys(generateEncryptionKeySpec()));
    const parts = box.encrypt('secret', ACME_REFRESH).split(':');
    parts[4] = Buffer.from('tampered!').toString('base64');
    expect(() => box.decrypt(parts.join(':'), ACME_REFRESH)).toThrow();
  });

  it('refuses a truncated tag that GCM alone would accept, and an iv that is not 12 bytes', () => {
    const box = createSecretBox(parseEncryptionKeys(generateEncryptionKeySpec()));
    const parts = box.encrypt('secret', ACME_REFRESH).split(':');
    // The first 4 bytes of the real tag: a GCM decipher told to expect a 4-byte tag would verify it.
    const short = [...parts];
    short[3] = Buffer.from(parts[3]!, 'base64').subarray(0, 4).toString('base64');
    expect(() => box.decrypt(short.join(':'), ACME_REFRESH)).toThrow(/16-byte tag/);
    const badIv = [...parts];
    badIv[2] = Buffer.from(parts[2]!, 'base64').subarray(0, 8).toString('base64');
    expect(() => box.decrypt(badIv.join(':'), ACME_REFRESH)).toThrow(/12-byte iv/);
  });

  it('still reads a first-format (v1) token, which counts as stale until re-encrypted as v2', () => {
    const spec = generateEncryptionKeySpec('k1');
    const box = createSecretBox(parseEncryptionKeys(spec));
    const legacy = sealV1(spec, 'eyJ-old-token');
    expect(box.decrypt(legacy, ACME_REFRESH)).toBe('eyJ-old-token');
    expect(box.isStale(legacy)).toBe(true);
    const rewritten = box.encrypt(box.decrypt(legacy, ACME_REFRESH), ACME_REFRESH);
    expect(rewritten).toMatch(/^v2:k1:/);
    expect(box.isStale(rewritten)).toBe(false);
  });

  it('rotates keys: the new key encrypts, the old one still decrypts until re-encrypted', () => {
    const oldSpec = generateEncryptionKeySpec('old');
    const newSpec = generateEncryptionKeySpec('new');
    const before = createSecretBox(parseEncryptionKeys(oldSpec)).encrypt('token', ACME_REFRESH);
    const rotated = createSecretBox(parseEncryptionKeys(`${newSpec},${oldSpec}`));
    expect(rotated.decrypt(before, ACME_REFRESH)).toBe('token');
    expect(rotated.isStale(before)).toBe(true);
    expect(rotated.isStale(rotated.encrypt('token', ACME_REFRESH))).toBe(false);
    expect(() => createSecretBox(parseEncryptionKeys(newSpec)).decrypt(before, ACME_REFRESH)).toThrow(/key "old"/);
  });

  it('rejects keys that are not 32 bytes', () => {
    expect(() => parseEncryptionKeys(`k:${Buffer.alloc(16).toString('base64')}`)).toThrow(/32 bytes/);
  });
});
