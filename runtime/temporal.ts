import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import protos from '@temporalio/proto';
import { encryptingDataConverter } from './payload-codec.ts';

export interface TemporalSettings {
  address: string;
  namespace: string;
  apiKey?: string;
  /**
   * Encrypts what the client sends and decrypts what it reads (runtime/payload-codec.ts). Leave it out only for a
   * client that never touches a payload (registering search attributes).
   */
  payloadCodec?: PayloadCodec;
}

/** A Temporal client for the dev server, a self-hosted cluster, or Temporal Cloud (API key → TLS). */
export async function connectTemporalClient(s: TemporalSettings): Promise<Client> {
  const connection = await Connection.connect({
    address: s.address,
    ...(s.apiKey ? { apiKey: s.apiKey, tls: true } : {}),
  });
  return new Client({ connection, namespace: s.namespace, ...(s.payloadCodec ? { dataConverter: encryptingDataConverter(s.payloadCodec) } : {}) });
}

/**
 * Registers the project's search attributes on the namespace if they are missing (the dev server registers them
 * at start, but an existing persistence file or a self-hosted cluster may predate one).
 */
export async function ensureSearchAttributes(client: Client, names: readonly string[]): Promise<string[]> {
  const namespace = client.options.namespace;
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = names.filter((n) => !(n in (existing.customAttributes ?? {})));
  if (missing.length === 0) return [];
  await client.connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((n) => [n, protos.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
  });
  return missing;
}
