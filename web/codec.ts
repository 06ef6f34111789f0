import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import { cors } from 'hono/cors';
import { z } from 'zod';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { findActiveApiKey } from '../db/queries/api-keys.ts';
import { findSession } from '../db/queries/users.ts';
import { apiError, readJson } from './api/errors.ts';
import { keepSessionAlive, SESSION_COOKIE } from './console/auth.ts';
import { ownOrigin } from './console/http.tsx';
import { type AppDeps, type AppEnv } from './deps.ts';
import { fieldErrors } from '../domain/text-schema.ts';
import { keyPrincipal, userPrincipal, type Principal } from '../domain/principal.ts';

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const base64 = z.string().max(MAX_BODY_BYTES).regex(BASE64, 'must be base64');
/** A Payload in proto JSON, as the Temporal UI and `temporal` CLI send it: bytes as base64. */
const bodySchema = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() })).max(10_000),
});
type JsonPayload = z.infer<typeof bodySchema>['payloads'][number];

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});
const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

const originOf = (url: string) => {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
};

/**
 * Who may read payloads: an engineer signed in to the console (session cookie, which the Temporal UI sends when its
 * codec setting "Include cross-origin credentials" is on) or an admin API key (scripts, `temporal --codec-endpoint`
 * with `--codec-auth`). Both must be admins of every tenant: decoding serves every tenant's data. The cookie is
 * looked at first, so a UI that also passes its own sign-in token as a Bearer (TEMPORAL_CODEC_PASS_ACCESS_TOKEN) still
 * works.
 */
const codecCaller: MiddlewareHandler<AppEnv> = async (c, next) => {
  const deps = c.get('deps');
  const sessionId = getCookie(c, SESSION_COOKIE);
  const session = sessionId ? await findSession(deps.db, sessionId) : undefined;
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
  let principal: Principal;
  if (session) {
    // A cookie rides along on any request the browser makes to this site: only the UI's and our own pages may use it.
    const origin = c.req.header('origin');
    if (origin && origin !== originOf(deps.temporalUiUrl) && origin !== ownOrigin(c)) {
      return apiError(c, 403, 'forbidden', `Requests from ${origin} may not use the codec.`);
    }
    // Reading histories in the Temporal UI is using the console: it keeps the session from idling out, like its pages.
    await keepSessionAlive(deps.db, sessionId!, session);
    principal = userPrincipal(session.user);
  } else if (bearer) {
    const key = await findActiveApiKey(deps.db, bearer[1]!);
    if (!key) return apiError(c, 401, 'unauthenticated', 'This API key is not valid or has been revoked.');
    principal = keyPrincipal(key);
  } else {
    return apiError(c, 401, 'unauthenticated', 'Sign in to the console in this browser first, or send an admin API key as "Authorization: Bearer <key>".');
  }
  if (principal.role !== 'admin' || principal.tenantId !== null) {
    return apiError(c, 403, 'forbidden', `Reading Temporal payloads needs an admin of every tenant; ${principal.name} is ${principal.role}${principal.tenantId ? ` of ${principal.tenantId}` : ''}.`);
  }
  const namespace = c.req.header('x-namespace');
  if (namespace && namespace !== deps.temporal.options.namespace) {
    return apiError(c, 400, 'wrong_namespace', `This codec serves the namespace "${deps.temporal.options.namespace}", not "${namespace}".`);
  }
  c.set('principal', principal);
  await next();
};

function convert(direction: 'encode' | 'decode') {
  return async (c: Context<AppEnv>) => {
    const codec: PayloadCodec | undefined = c.get('deps').payloadCodec;
    if (!codec) return apiError(c, 404, 'not_found', 'This web app has no payload codec (PAYLOAD_ENCRYPTION_KEYS) configured.');
    const body = await readJson(c);
    if (!body.ok) return body.response;
    const parsed = bodySchema.safeParse(body.value);
    if (!parsed.success) return apiError(c, 400, 'invalid_payloads', 'Send { "payloads": [{ "metadata": { …base64 }, "data": "base64" }] }.', fieldErrors(parsed.error));
    let out: Payload[];
    try {
      out = await codec[direction](parsed.data.payloads.map(fromJson));
    } catch (err) {
      return apiError(c, 422, direction === 'decode' ? 'undecodable' : 'unencodable', (err as Error).message);
    }
    c.header('Cache-Control', 'no-store');
    return c.json({ payloads: out.map(toJson) });
  };
}

/**
 * Temporal's remote codec protocol (`POST /codec/decode`, `POST /codec/encode`, `{ payloads: [...] }` in proto JSON)
 * over the product's payload codec, so the Temporal UI shows readable payloads to signed-in engineers. The UI calls
 * it from its own origin (deps.temporalUiUrl) with credentials, so that origin, and only it, is allowed by CORS.
 */
export function codecRoutes() {
  const app = new Hono<AppEnv>();
  app.use(
    '*',
    cors({
      origin: (origin, c) => (origin && origin === originOf((c.get('deps') as AppDeps).temporalUiUrl) ? origin : null),
      allowMethods: ['POST'],
      allowHeaders: ['Content-Type', 'X-Namespace', 'Authorization'],
      credentials: true,
      maxAge: 600,
    }),
  );
  app.use('*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => apiError(c, 413, 'too_large', 'Send at most 4 MiB of payloads at a time.') }));
  app.use('*', codecCaller);
  app.post('/decode', convert('decode'));
  app.post('/encode', convert('encode'));
  return app;
}
