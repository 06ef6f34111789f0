/**
 * The Temporal client and payload codec the project's commands (replay, history:export, demo:reset) use with Temporal: the keys of
 * PAYLOAD_ENCRYPTION_KEYS, or else the development key `npm start` keeps in the data folder.
 */
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Config } from '../runtime/config.ts';
import { createPayloadCodec, parsePayloadKeys } from '../runtime/payload-codec.ts';
import { connectTemporalClient } from '../runtime/temporal.ts';
import { dataDirOf, readDevSecret } from './dev-data.ts';

/** The file in the data folder where `npm start` keeps its development PAYLOAD_ENCRYPTION_KEYS. */
export const DEV_PAYLOAD_KEYS_FILE = 'payload-encryption-keys';

/** Undefined when neither is there: only histories written before payload encryption can be read then. */
export function commandPayloadCodec(config: Pick<Config, 'PAYLOAD_ENCRYPTION_KEYS' | 'DATA_DIR'>): PayloadCodec | undefined {
  const keys = config.PAYLOAD_ENCRYPTION_KEYS ?? readDevSecret(dataDirOf(config), DEV_PAYLOAD_KEYS_FILE);
  return keys ? createPayloadCodec(parsePayloadKeys(keys)) : undefined;
}

/** A Temporal client for a command, at TEMPORAL_ADDRESS (default the local dev server), with the command's codec. */
export function commandTemporalClient(
  config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_API_KEY'>,
  payloadCodec: PayloadCodec | undefined,
): Promise<Client> {
  return connectTemporalClient({ address: config.TEMPORAL_ADDRESS ?? '127.0.0.1:7233', namespace: config.TEMPORAL_NAMESPACE, apiKey: config.TEMPORAL_API_KEY, payloadCodec });
}
