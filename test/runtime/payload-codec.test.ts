import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { createPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, parsePayloadKeys, payloadCodecFrom } from '../../runtime/payload-codec.ts';
import { generateEncryptionKeySpec } from '../../runtime/secrets.ts';

const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');
const record = { vendor: 'Nairobi Office Supplies Ltd', memo: 'Toner for the second floor', amountMinor: 1234567, docNumber: 'BILL-2026-0007' };
const payload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);

describe('payload encryption (AES-256-GCM codec)', () => {
  it('encrypts the whole payload, encoding included, and decodes it back exactly', async () => {
    const codec = createPayloadCodec(parsePayloadKeys(generateEncryptionKeySpec('p1')));
    const original = payload(record);
    const [sealed] = await codec.encode([original]);
    expect(text(sealed!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed!.metadata![KEY_ID_METADATA])).toBe('p1');
    expect(Object.keys(sealed!.metadata!).sort()).toEqual(['encoding', KEY_ID_METADATA].sort());
    const bytes = Buffer.from(sealed!.data!);
    for (const readable of ['Nairobi', 'Toner', '1234567', 'BILL-2026-0007', 'json/plain']) expect(bytes.includes(readable)).toBe(false);
    // iv (12) + the Payload proto + tag (16)
    expect(bytes.length).toBeGreaterThan(12 + 16 + original.data!.length);

    const [opened] = await codec.decode([sealed!]);
    expect(text(opened!.metadata!.encoding)).toBe('json/plain');
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual(record);
  });

  it('uses a fresh IV for every payload, so equal values do not look equal', async () => {
    const codec = createPayloadCodec(parsePayloadKeys(generateEncryptionKeySpec('p1')));
    const [a, b] = await codec.encode([payload(record), payload(record)]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('rotates keys: the first key encrypts, and payloads of an older key still decode after it', async () => {
    const oldSpec = generateEncryptionKeySpec('old');
    const newSpec = generateEncryptionKeySpec('new');
    const [before] = await createPayloadCodec(parsePayloadKeys(oldSpec)).encode([payload(record)]);
    const rotated = createPayloadCodec(parsePayloadKeys(`${newSpec},${oldSpec}`));
    const [after] = await rotated.encode([payload(record)]);
    expect(text(after!.metadata![KEY_ID_METADATA])).toBe('new');
    const decoded = await rotated.decode([before!, after!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([record, record]);
  });

  it('refuses a payload of a key it does not have, naming that key and the ones it has', async () => {
    const [sealed] = await createPayloadCodec(parsePayloadKeys(generateEncryptionKeySpec('gone'))).encode([payload(record)]);
    const codec = createPayloadCodec(parsePayloadKeys(generateEncryptionKeySpec('p2')));
    await expect(codec.decode([sealed!])).rejects.toThrow(/key "gone", which is not in PAYLOAD_ENCRYPTION_KEYS \(configured: p2\)/);
  });

  it('refuses altered ciphertext, an altered or shortened tag, and a different key under the same id', async () => {
    const spec = generateEncryptionKeySpec('p1');
    const codec = createPayloadCodec(parsePayloadKeys(spec));
    const [sealed] = await codec.encode([payload(record)]);
    const data = Buffer.from(sealed!.data!);
    const withData = (d: Buffer): Payload => ({ metadata: sealed!.metadata!, data: new Uint8Array(d) });

    const flippedBody = Buffer.from(data);
    flippedBody[20]! ^= 0x01;
    await expect(codec.decode([withData(flippedBody)])).rejects.toThrow(/failed authentication/);

    const flippedTag = Buffer.from(data);
    flippedTag[flippedTag.length - 1]! ^= 0x01;
    await expect(codec.decode([withData(flippedTag)])).rejects.toThrow(/failed authentication/);

    // The tag is always the last 16 bytes: a payload cut short leaves no tag that authenticates.
    await expect(codec.decode([withData(data.subarray(0, data.length - 12))])).rejects.toThrow(/failed authentication/);
    await expect(codec.decode([withData(data.subarray(0, 20))])).rejects.toThrow(/too short/);

    const impostor = createPayloadCodec(parsePayloadKeys(generateEncryptionKeySpec('p1')));
    await expect(impostor.decode([sealed!])).rejects.toThrow(/failed authentication/);
  });

  it('passes plaintext payloads through, so histories written before encryption still decode and replay', async () => {
    const codec = createPayloadCodec(parsePayloadKeys(generateEncryptionKeySpec('p1')));
    const plain = payload(record);
    const empty = defaultPayloadConverter.toPayload(undefined);
    const [a, b] = await codec.decode([plain, empty]);
    expect(a).toBe(plain);
    expect(b).toBe(empty);
  });

  it('is required, and its keys are checked, with a message that names the setting', () => {
    expect(() => payloadCodecFrom({})).toThrow(/PAYLOAD_ENCRYPTION_KEYS is required/);
    expect(() => payloadCodecFrom({ PAYLOAD_ENCRYPTION_KEYS: 'p1:dG9vIHNob3J0' })).toThrow(/PAYLOAD_ENCRYPTION_KEYS is not valid: .*32 bytes/);
    expect(payloadCodecFrom({ PAYLOAD_ENCRYPTION_KEYS: generateEncryptionKeySpec('p1') })).toBeDefined();
  });
});
