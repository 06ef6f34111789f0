import { pino } from 'pino';
import { createApiKey } from '../../db/queries/api-keys.ts';
import type { Role } from '../../domain/permissions.ts';
import { readJsonOrText } from '../../runtime/http-body.ts';
import { createSecretBox, generateEncryptionKeySpec, parseEncryptionKeys } from '../../runtime/secrets.ts';
import { createApp } from '../../web/app.ts';
import type { AppDeps } from '../../web/deps.ts';
import { createFastDb, type FastDb } from './fast-db.ts';
import { createFakeTemporal, type FakeTemporal } from './fast-temporal.ts';

/**
 * The real web app (`createApp`) for the fast tier: an in-process PGlite (test/support/fast-db.ts) and the in-process
 * Temporal fake (test/support/fast-temporal.ts), called through `app.request` like the harness does.
 */
export interface FastApp {
  db: FastDb;
  temporal: FakeTemporal;
  deps: AppDeps;
  app: ReturnType<typeof createApp>;
  /** A new API key of `role`, for one tenant or (null) every tenant, made as `npm run apikey` makes it. */
  keyFor(role: Role, tenantId: string | null): Promise<string>;
  /** Calls the app with `key` as the bearer (null: no Authorization header). */
  api(key: string | null, method: string, path: string, body?: unknown): Promise<{ status: number; json: any; headers: Headers }>;
  close(): Promise<void>;
}

/** The task queue the app's deps name (health asks Temporal about it). */
export const FAST_TASK_QUEUE = 'fast-tier';

export async function createFastApp(overrides: Partial<AppDeps> = {}): Promise<FastApp> {
  const db = await createFastDb();
  const temporal = createFakeTemporal();
  const deps: AppDeps = {
    db: db.db,
    temporal: temporal.client,
    taskQueue: FAST_TASK_QUEUE,
    logger: pino({ level: 'silent' }),
    temporalUiUrl: 'http://localhost:8233',
    secrets: createSecretBox(parseEncryptionKeys(generateEncryptionKeySpec())),
    ...overrides,
  };
  const app = createApp(deps);
  let seq = 0;
  return {
    db,
    temporal,
    deps,
    app,
    async keyFor(role, tenantId) {
      seq += 1;
      const created = await createApiKey(db.db, { name: `${role}-${tenantId ?? 'all'}-${seq}`, role, tenantId, createdBy: 'test' });
      if (!created.ok) throw new Error(`could not create a ${role} key: ${created.message}`);
      return created.key;
    },
    async api(key, method, path, body) {
      const res = await app.request(path, {
        method,
        headers: {
          ...(key !== null ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      return { status: res.status, json: await readJsonOrText(res), headers: res.headers };
    },
    close: () => db.close(),
  };
}
