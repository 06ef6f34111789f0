import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { visit, walkGetWorkflowExecutionHistoryResponse } from '@temporalio/common/lib/internal-non-workflow/index.js';
import protos from '@temporalio/proto';
import { parseEncryptionKeys, type EncryptionKey } from './secrets.ts';

/** The `encoding` of a payload this codec encrypted; anything else is passed through (histories from before it). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata naming the key that encrypted a payload, so keys can rotate. */
export const KEY_ID_METADATA = 'encryption-key-id';

const ProtoPayload = protos.temporal.api.common.v1.Payload;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

/**
 * Failure messages and stack traces move into an encoded attribute, so the codec encrypts them too: QuickBooks'
 * messages can quote record data. A CommonJS file because the SDK `require()`s it in the worker and the client, and
 * bundles it into the workflow sandbox.
 */
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

/**
 * Encrypts every Temporal payload with AES-256-GCM. The whole original Payload proto (its metadata and data) is
 * encrypted, so not even its encoding is left readable: the result has metadata `encoding: binary/encrypted` and
 * `encryption-key-id: <kid>`, and data `iv (12 bytes) | ciphertext | tag (16 bytes)`. The first key encrypts, all
 * decrypt: put a new key first in PAYLOAD_ENCRYPTION_KEYS and keep the old ones after it for as long as histories
 * written with them are kept (the namespace's retention) or replayed from test/histories/.
 */
export function createPayloadCodec(keys: readonly EncryptionKey[]): PayloadCodec {
  const [current] = keys;
  if (!current) throw new Error('No payload encryption key given.');
  const byId = new Map(keys.map((k) => [k.id, k.key]));

  const encryptOne = (payload: Payload): Payload => {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', current.key, iv, { authTagLength: TAG_BYTES });
    const plain = ProtoPayload.encode(payload).finish();
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return { metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(current.id) }, data: new Uint8Array(sealed) };
  };

  const decryptOne = (payload: Payload): Payload => {
    if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
    const kid = text(payload.metadata?.[KEY_ID_METADATA]);
    if (!kid) throw new Error(`An encrypted payload carries no "${KEY_ID_METADATA}"; it cannot be decrypted.`);
    const key = byId.get(kid);
    if (!key) {
      throw new Error(
        `A payload was encrypted with key "${kid}", which is not in PAYLOAD_ENCRYPTION_KEYS (configured: ${[...byId.keys()].join(', ')}). ` +
          'Add that key after the current one.',
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new Error(`An encrypted payload (key "${kid}") is too short to hold an IV and a 16-byte tag.`);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new Error(`An encrypted payload (key "${kid}") failed authentication: it was altered, or the key "${kid}" configured here is not the one that encrypted it.`);
    }
    return ProtoPayload.decode(plain);
  };

  return {
    async encode(payloads) {
      return payloads.map(encryptOne);
    },
    async decode(payloads) {
      return payloads.map(decryptOne);
    },
  };
}

/** Parses PAYLOAD_ENCRYPTION_KEYS (`kid:base64-32-bytes[,older…]`, the format of TOKEN_ENCRYPTION_KEYS). */
export function parsePayloadKeys(spec: string): EncryptionKey[] {
  try {
    return parseEncryptionKeys(spec);
  } catch (err) {
    throw new Error(`PAYLOAD_ENCRYPTION_KEYS is not valid: ${(err as Error).message}`);
  }
}

/**
 * The codec from PAYLOAD_ENCRYPTION_KEYS. Required in every environment, like TOKEN_ENCRYPTION_KEYS: a web app or
 * worker without it would write plaintext beside ones that encrypt, and could not read what they wrote.
 */
export function payloadCodecFrom(config: { PAYLOAD_ENCRYPTION_KEYS?: string | undefined }): PayloadCodec {
  if (!config.PAYLOAD_ENCRYPTION_KEYS) {
    throw new Error(
      'PAYLOAD_ENCRYPTION_KEYS is required: `kid:<32 random bytes, base64>`, e.g. p1:$(openssl rand -base64 32) — it encrypts ' +
        'everything the product stores in Temporal (npm start generates one in development).',
    );
  }
  return createPayloadCodec(parsePayloadKeys(config.PAYLOAD_ENCRYPTION_KEYS));
}

/** The data converter of every client and worker: payloads encrypted, failure messages moved into payloads. */
export function encryptingDataConverter(codec: PayloadCodec): DataConverter {
  return { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH };
}

type History = protos.temporal.api.history.v1.IHistory;

/** A copy of `history` with `fn` applied to every payload in it, search attributes left alone. */
async function mapPayloads(history: History, fn: (payloads: Payload[]) => Promise<Payload[]>): Promise<protos.temporal.api.history.v1.History> {
  const copy = protos.temporal.api.history.v1.History.decode(protos.temporal.api.history.v1.History.encode(history).finish());
  await visit({ history: copy }, walkGetWorkflowExecutionHistoryResponse, {
    transformPayload: async (p) => (await fn([p]))[0]!,
    transformPayloads: fn,
    skipSearchAttributes: true,
  });
  return copy;
}

/**
 * A copy of a history with every payload decoded (workflow and activity inputs and results, update arguments,
 * failures' encoded messages), for the replay suite's committed histories and for reading one by hand. Search
 * attributes are left as they are: the server indexes them, so they are never encrypted.
 */
export function decodeHistory(history: History, codec: PayloadCodec): Promise<protos.temporal.api.history.v1.History> {
  return mapPayloads(history, (ps) => codec.decode(ps));
}

/** Whether a history holds payloads this codec encrypted (nothing without a key can then replay or read it). */
export async function hasEncryptedPayloads(history: History): Promise<boolean> {
  let found = false;
  await mapPayloads(history, async (ps) => {
    found ||= ps.some((p) => text(p.metadata?.encoding) === ENCRYPTED_ENCODING);
    return ps;
  });
  return found;
}
