/**
 * The QuickBooks Online Accounting API v3 client (reference §1-4), over the global `fetch` (undici).
 *
 * What it deliberately does not do:
 * - refresh tokens or retry: Temporal owns retries, and the connection workflow is the only writer of tokens, so a
 *   call takes the access token it is given and reports what happened;
 * - throw on provider or network failures: every outcome becomes a {@link QboResponse} that the caller hands to
 *   `classifyQboResponse` (qbo/classify.ts), which alone decides what a status, fault or transport error means.
 *
 * It does throw {@link QboRequestError} for arguments that could never be a valid request (a missing requestid, a
 * batch of 31 items), because those are bugs in the caller, and it rethrows the caller's own abort signal reason.
 */
import { isThrottleResponse, mayHaveBeenSent } from './classify.ts';
import type { LimitKind, RealmLimiter } from './rate-limit.ts';
import type { QboBatchItemRequest, QboEntity, QboEntityName, QboQueryBody } from './types.ts';

/** Pinned minor version: Intuit ignores anything below 75 since August 2025 (reference §1.3). */
export const QBO_MINOR_VERSION = 75;
/** Intuit's per-request cap on `/batch` operations (reference §4). */
export const QBO_MAX_BATCH_ITEMS = 30;
/** `requestid` length limits (reference §1.4, B-RID). */
export const QBO_MAX_REQUEST_ID_LENGTH = 50;
export const QBO_MAX_BATCH_REQUEST_ID_LENGTH = 36;
/** B-RID: "For each batch ID, only 10 characters are allowed when RequestID is also specified". */
export const QBO_MAX_BATCH_ID_LENGTH = 10;

/** QBO API hosts (reference §1.1). The simulator's URL replaces these in development and tests. */
export const QBO_API_BASE_URLS = {
  sandbox: 'https://sandbox-quickbooks.api.intuit.com',
  production: 'https://quickbooks.api.intuit.com',
} as const;

export type QboEnvironment = 'sandbox' | 'production';

/** Who is calling, per request. Tokens are handed in; the client never stores or refreshes them. */
export interface QboCallContext {
  realmId: string;
  accessToken: string;
  /** Cancels the call (also while it waits for the limiter); the signal's reason is rethrown. */
  signal?: AbortSignal;
}

/**
 * The outcome of one HTTP exchange with QBO, successful or not. Its `status`, `body`, `headers`,
 * `transportError` and `requestSent` are exactly the input of `classifyQboResponse`.
 */
export interface QboResponse {
  /** HTTP status, or 0 when no complete response arrived (see `transportError`). */
  status: number;
  /** 2xx and no top-level `Fault`/`fault` in the body. A batch is `ok` even when single items carry a `Fault`. */
  ok: boolean;
  /**
   * Parsed JSON object or array; the raw text when it is not JSON (QBO's 429 is XML even when JSON was asked for);
   * null when empty. Typed as `classifyQboResponse` takes it, so a response can be classified as is.
   */
  body: string | object | null;
  rawText: string;
  /** Response headers, names lower-cased. */
  headers: Record<string, string>;
  /** The `intuit_tid` header: Intuit support's handle on this exchange. Keep it in every attempt record. */
  intuitTid?: string;
  /**
   * Set when no complete HTTP response was read, with a code prefix: `TIMEOUT: …`, `ECONNREFUSED: …`,
   * `UND_ERR_SOCKET: …`. `status` is 0 then.
   */
  transportError?: string;
  /**
   * False only when the request provably never left this process (connection refused, DNS failure, TLS
   * handshake failure), so a retry cannot duplicate anything. True for everything else, including timeouts and
   * resets: QBO may have committed the write, so the outcome is uncertain.
   */
  requestSent: boolean;
  /** Time spent on the HTTP exchange itself, excluding the wait for the rate limiter. */
  durationMs: number;
  /** Time spent waiting for the rate limiter. */
  queuedMs: number;
  method: 'GET' | 'POST';
  /** Request URL (carries no secret: the token travels in a header). */
  url: string;
}

/** Options of {@link createQboClient}. */
export interface QboClientOptions {
  /** API host, e.g. {@link QBO_API_BASE_URLS}.sandbox or the simulator's URL; `/v3/company/…` is appended. */
  baseUrl: string;
  /** Default 75. */
  minorVersion?: number;
  /** Shared per-realm limiter; without one the client does not throttle itself (tests, scripts). */
  limiter?: RealmLimiter;
  /** Per request, from the limiter's grant to the last body byte. Default 30 000 ms. */
  timeoutMs?: number;
  /** Injected for tests; default the global `fetch`. */
  fetch?: typeof fetch;
  userAgent?: string;
  /** Millisecond clock for `durationMs`. Default `performance.now`. */
  now?: () => number;
  /** Queries whose URL-encoded text is longer than this are sent as POST application/text. Default 2 000. */
  maxGetQueryLength?: number;
}

/** Options of a write. The requestid must come from the caller so that a retry of the same logical write reuses it. */
export interface QboWriteOptions {
  /** ≤ 50 characters, unique per realm per logical write; QBO replays the first response for a repeat. */
  requestId: string;
}

export interface QboCreateOptions extends QboWriteOptions {
  /** Sends `include=allowduplicatedocnum` so QBO skips its 6140 duplicate DocNumber check (the user chose "create anyway"). */
  allowDuplicateDocNum?: boolean;
}

/** The items of a `/batch` and the requestid that identifies exactly this composition (≤ 36 characters). */
export interface QboBatchComposition {
  items: QboBatchItemRequest[];
  requestId: string;
}

/** A sparse update body: `Id` and `SyncToken` of the version being changed, plus only the changed fields. */
export interface QboSparseUpdateBody {
  Id: string;
  SyncToken: string;
  [field: string]: unknown;
}

/** The QBO client. Every method resolves to a {@link QboResponse}; see the module comment for what throws. */
export interface QboClient {
  /** POST `/{entity}`. */
  create(ctx: QboCallContext, entity: QboEntityName, body: Record<string, unknown>, opts: QboCreateOptions): Promise<QboResponse>;
  /** GET `/{entity}/{id}`. */
  read(ctx: QboCallContext, entity: QboEntityName, id: string): Promise<QboResponse>;
  /** POST `/{entity}` with `sparse: true`; a stale SyncToken comes back as 400/5010. */
  sparseUpdate(ctx: QboCallContext, entity: QboEntityName, body: QboSparseUpdateBody, opts: QboWriteOptions): Promise<QboResponse>;
  /**
   * POST `/{entity}?operation=void` or `?operation=delete` with `{Id, SyncToken}` (reference §2): a void keeps the
   * transaction with zero amounts, a delete removes it. A stale SyncToken comes back as 400/5010.
   */
  voidOrDelete(ctx: QboCallContext, entity: QboEntityName, operation: 'void' | 'delete', body: { Id: string; SyncToken: string }, opts: QboWriteOptions): Promise<QboResponse>;
  /** GET `/query?query=…`, or POST `/query` as application/text when the statement is long. */
  query(ctx: QboCallContext, sql: string, opts?: { requestId?: string }): Promise<QboResponse>;
  /** POST `/batch` with 1-30 items, drawn from the realm's separate batch budget. */
  batch(ctx: QboCallContext, items: QboBatchItemRequest[], opts: QboWriteOptions): Promise<QboResponse>;
  /**
   * POST `/batch` whose items are chosen only once the realm's limiter lets the request go: `compose` runs right
   * before the request is sent (and again on a call repeated after a token refresh, so it must answer the same then),
   * which lets a caller that coalesces writes send whatever is queued by that time. When `compose` answers null nothing
   * is sent: the response has status 0, `requestSent: false` and a `NOTHING_TO_SEND` transport error.
   */
  batchWhenGranted(ctx: QboCallContext, compose: () => QboBatchComposition | null): Promise<QboResponse>;
  /** GET `/cdc?entities=…&changedSince=…` (30-day look-back, ≤ 1 000 objects per response). */
  cdc(ctx: QboCallContext, entities: QboEntityName[], changedSince: Date | string): Promise<QboResponse>;
  /** GET `/preferences` (closing date, multicurrency, custom transaction numbers). */
  preferences(ctx: QboCallContext): Promise<QboResponse>;
  /** GET `/companyinfo/{realmId}`. */
  companyInfo(ctx: QboCallContext): Promise<QboResponse>;
}

/** A request that can never be valid; a bug in the caller, not a provider outcome. */
export class QboRequestError extends Error {
  override readonly name = 'QboRequestError';
}

export function createQboClient(opts: QboClientOptions): QboClient {
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  if (!/^https?:\/\//.test(baseUrl)) throw new QboRequestError(`baseUrl must be an http(s) URL, got "${opts.baseUrl}"`);
  const minorVersion = opts.minorVersion ?? QBO_MINOR_VERSION;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? (() => performance.now());
  const maxGetQueryLength = opts.maxGetQueryLength ?? 2_000;
  const limiter = opts.limiter;

  interface Call {
    method: 'GET' | 'POST';
    path: string;
    params?: Record<string, string | undefined>;
    body?: string;
    contentType?: string;
    kind?: LimitKind;
    /** Decides `params` and `body` once the limiter granted the request; null: send nothing. */
    compose?: () => Pick<Call, 'params' | 'body'> | null;
  }

  function buildUrl(ctx: QboCallContext, call: Call): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(call.params ?? {})) if (v !== undefined) qs.set(k, v);
    qs.set('minorversion', String(minorVersion));
    return `${baseUrl}/v3/company/${encodeURIComponent(ctx.realmId)}/${call.path}?${qs.toString()}`;
  }

  async function send(ctx: QboCallContext, call: Call): Promise<QboResponse> {
    checkContext(ctx);
    const headers: Record<string, string> = {
      Authorization: `Bearer ${ctx.accessToken}`,
      Accept: 'application/json',
    };
    if (call.contentType) headers['Content-Type'] = call.contentType;
    if (opts.userAgent) headers['User-Agent'] = opts.userAgent;

    const queuedAt = now();
    const exchange = async (): Promise<QboResponse> => {
      const started = now();
      const queuedMs = started - queuedAt;
      const composed = call.compose ? call.compose() : call;
      if (!composed) {
        return { status: 0, ok: false, body: null, rawText: '', headers: {}, transportError: 'NOTHING_TO_SEND: nothing was left to send', requestSent: false, method: call.method, url: buildUrl(ctx, call), queuedMs, durationMs: 0 };
      }
      const url = buildUrl(ctx, { ...call, params: composed.params });
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout;
      const base = { method: call.method, url, queuedMs };
      let res: Response;
      try {
        res = await doFetch(url, { method: call.method, headers, body: composed.body, signal });
      } catch (err) {
        if (ctx.signal?.aborted) throw ctx.signal.reason;
        return { ...transportFailure(err, timeoutMs), ...base, durationMs: now() - started };
      }
      const headerRecord = headersToRecord(res.headers);
      const intuitTid = headerRecord['intuit_tid'];
      let rawText: string;
      try {
        rawText = await res.text();
      } catch (err) {
        if (ctx.signal?.aborted) throw ctx.signal.reason;
        // Headers arrived but the body did not: for a write QBO has likely committed, and we do not know the Id.
        const failure = transportFailure(err, timeoutMs);
        return {
          ...failure,
          transportError: `${failure.transportError} (after HTTP ${res.status} headers)`,
          requestSent: true,
          headers: headerRecord,
          ...(intuitTid ? { intuitTid } : {}),
          ...base,
          durationMs: now() - started,
        };
      }
      const body = parseBody(rawText, headerRecord['content-type']);
      const result: QboResponse = {
        status: res.status,
        ok: res.status >= 200 && res.status < 300 && !hasFault(body),
        body,
        rawText,
        headers: headerRecord,
        requestSent: true,
        ...(intuitTid ? { intuitTid } : {}),
        ...base,
        durationMs: now() - started,
      };
      if (limiter && isThrottleResponse(result.status, result.rawText)) limiter.noteThrottled(ctx.realmId);
      return result;
    };

    if (ctx.signal?.aborted) throw ctx.signal.reason;
    if (!limiter) return exchange();
    return limiter.run(ctx.realmId, call.kind ?? 'api', exchange, ctx.signal ? { signal: ctx.signal } : {});
  }

  return {
    async create(ctx, entity, body, o) {
      checkRequestId(o?.requestId, QBO_MAX_REQUEST_ID_LENGTH);
      checkBody(body);
      return send(ctx, {
        method: 'POST',
        path: entityPath(entity),
        params: { requestid: o.requestId, include: o.allowDuplicateDocNum ? 'allowduplicatedocnum' : undefined },
        body: JSON.stringify(body),
        contentType: 'application/json',
      });
    },

    async read(ctx, entity, id) {
      checkId(id, 'id');
      return send(ctx, { method: 'GET', path: `${entityPath(entity)}/${encodeURIComponent(id)}` });
    },

    async sparseUpdate(ctx, entity, body, o) {
      checkRequestId(o?.requestId, QBO_MAX_REQUEST_ID_LENGTH);
      checkBody(body);
      checkId(body.Id, 'body.Id');
      // A numeric 0 SyncToken is silently dropped by some stacks and then fails as stale (reference §2.1).
      if (typeof body.SyncToken !== 'string' || body.SyncToken === '') {
        throw new QboRequestError('sparseUpdate needs body.SyncToken as a non-empty string');
      }
      return send(ctx, {
        method: 'POST',
        path: entityPath(entity),
        params: { requestid: o.requestId },
        body: JSON.stringify({ ...body, sparse: true }),
        contentType: 'application/json',
      });
    },

    async voidOrDelete(ctx, entity, operation, body, o) {
      checkRequestId(o?.requestId, QBO_MAX_REQUEST_ID_LENGTH);
      checkId(body.Id, 'body.Id');
      if (typeof body.SyncToken !== 'string' || body.SyncToken === '') throw new QboRequestError(`${operation} needs body.SyncToken as a non-empty string`);
      return send(ctx, {
        method: 'POST',
        path: entityPath(entity),
        params: { operation, requestid: o.requestId },
        body: JSON.stringify({ Id: body.Id, SyncToken: body.SyncToken }),
        contentType: 'application/json',
      });
    },

    async query(ctx, sql, o = {}) {
      if (typeof sql !== 'string' || sql.trim() === '') throw new QboRequestError('query needs a SELECT statement');
      if (o.requestId !== undefined) checkRequestId(o.requestId, QBO_MAX_REQUEST_ID_LENGTH);
      const encoded = encodeURIComponent(sql);
      if (encoded.length <= maxGetQueryLength) {
        return send(ctx, { method: 'GET', path: 'query', params: { query: sql, requestid: o.requestId } });
      }
      return send(ctx, {
        method: 'POST',
        path: 'query',
        params: { requestid: o.requestId },
        body: sql,
        contentType: 'application/text',
      });
    },

    async batch(ctx, items, o) {
      checkRequestId(o?.requestId, QBO_MAX_BATCH_REQUEST_ID_LENGTH);
      checkBatchItems(items);
      return send(ctx, {
        method: 'POST',
        path: 'batch',
        params: { requestid: o.requestId },
        body: JSON.stringify({ BatchItemRequest: items }),
        contentType: 'application/json',
        kind: 'batch',
      });
    },

    async batchWhenGranted(ctx, compose) {
      return send(ctx, {
        method: 'POST',
        path: 'batch',
        contentType: 'application/json',
        kind: 'batch',
        compose: () => {
          const c = compose();
          if (!c) return null;
          checkRequestId(c.requestId, QBO_MAX_BATCH_REQUEST_ID_LENGTH);
          checkBatchItems(c.items);
          return { params: { requestid: c.requestId }, body: JSON.stringify({ BatchItemRequest: c.items }) };
        },
      });
    },

    async cdc(ctx, entities, changedSince) {
      if (!Array.isArray(entities) || entities.length === 0) throw new QboRequestError('cdc needs at least one entity');
      const since = changedSince instanceof Date ? changedSince.toISOString() : changedSince;
      if (typeof since !== 'string' || Number.isNaN(Date.parse(since))) {
        throw new QboRequestError(`cdc changedSince is not a date: ${String(changedSince)}`);
      }
      return send(ctx, { method: 'GET', path: 'cdc', params: { entities: entities.join(','), changedSince: since } });
    },

    async preferences(ctx) {
      return send(ctx, { method: 'GET', path: 'preferences' });
    },

    async companyInfo(ctx) {
      checkContext(ctx);
      return send(ctx, { method: 'GET', path: `companyinfo/${encodeURIComponent(ctx.realmId)}` });
    },
  };
}

/**
 * The entity from a single-entity envelope (`{"Bill":{…},"time":…}`), or undefined when the response is not ok or
 * holds no such entity. Batch and query responses have their own helpers.
 */
export function entityFrom<T extends QboEntity = QboEntity>(resp: QboResponse, entityName: QboEntityName): T | undefined {
  if (!resp.ok || !isObject(resp.body)) return undefined;
  const e = resp.body[entityName];
  return isObject(e) ? (e as T) : undefined;
}

/** The rows of a query response; [] when nothing matched (QBO then omits the entity key) or the response is not ok. */
export function queryRows<T extends QboEntity = QboEntity>(resp: QboResponse, entityName: QboEntityName): T[] {
  if (!resp.ok || !isObject(resp.body)) return [];
  const qr = (resp.body as Partial<QboQueryBody>).QueryResponse;
  if (!isObject(qr)) return [];
  const rows = qr[entityName];
  return Array.isArray(rows) ? (rows as T[]) : [];
}

/** `QueryResponse.totalCount` of a `SELECT COUNT(*)` query, or undefined. */
export function queryCount(resp: QboResponse): number | undefined {
  if (!resp.ok || !isObject(resp.body)) return undefined;
  const qr = (resp.body as Partial<QboQueryBody>).QueryResponse;
  return isObject(qr) && typeof qr.totalCount === 'number' ? qr.totalCount : undefined;
}

/** URL path segment of an entity: QBO paths are case sensitive and lower-case (`/purchaseorder`). */
export function entityPath(entity: QboEntityName): string {
  return entity.toLowerCase();
}

/**
 * Quotes a value for a QBO query literal (`WHERE DisplayName = 'O\'Brien'`). QBO escapes a quote with a backslash
 * (`\'`), per Intuit's query docs and the SDKs; we escape backslashes first so user data cannot end the literal.
 */
export function qboQueryLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

// ---------------------------------------------------------------------------------------------------------------

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkContext(ctx: QboCallContext): void {
  if (!ctx || typeof ctx.realmId !== 'string' || ctx.realmId === '') throw new QboRequestError('ctx.realmId is required');
  if (typeof ctx.accessToken !== 'string' || ctx.accessToken === '') throw new QboRequestError('ctx.accessToken is required');
}

function checkId(id: unknown, what: string): asserts id is string {
  if (typeof id !== 'string' || id === '') throw new QboRequestError(`${what} must be a non-empty string`);
}

function checkBody(body: unknown): void {
  if (!isObject(body)) throw new QboRequestError('body must be a JSON object');
}

const REQUEST_ID_RE = /^[A-Za-z0-9._~:-]+$/;

function checkRequestId(requestId: unknown, max: number): void {
  if (typeof requestId !== 'string' || requestId === '') {
    throw new QboRequestError('requestId is required on every write, and must be reused by retries of the same write');
  }
  if (requestId.length > max) throw new QboRequestError(`requestId must be at most ${max} characters, got ${requestId.length}`);
  if (!REQUEST_ID_RE.test(requestId)) throw new QboRequestError('requestId may only contain A-Z a-z 0-9 . _ ~ : -');
}

function checkBatchItems(items: unknown): void {
  if (!Array.isArray(items) || items.length === 0) throw new QboRequestError('batch needs at least one item');
  if (items.length > QBO_MAX_BATCH_ITEMS) {
    throw new QboRequestError(`batch allows at most ${QBO_MAX_BATCH_ITEMS} items, got ${items.length}`);
  }
  const seen = new Set<string>();
  for (const item of items) {
    if (!isObject(item)) throw new QboRequestError('every batch item must be an object');
    const bId = item.bId;
    if (typeof bId !== 'string' || bId === '' || bId.length > QBO_MAX_BATCH_ID_LENGTH) {
      throw new QboRequestError(`every batch item needs a bId of 1-${QBO_MAX_BATCH_ID_LENGTH} characters`);
    }
    if (seen.has(bId)) throw new QboRequestError(`duplicate bId "${bId}" in batch`);
    seen.add(bId);
    const payloads = Object.keys(item).filter((k) => !['bId', 'operation', 'optionsData'].includes(k));
    if (payloads.length !== 1) {
      throw new QboRequestError(`batch item "${bId}" must carry exactly one entity payload or Query`);
    }
    if (payloads[0] !== 'Query' && item.operation === undefined) {
      throw new QboRequestError(`batch item "${bId}" needs an operation`);
    }
  }
}

function headersToRecord(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((value, key) => {
    out[key.toLowerCase()] = value;
  });
  return out;
}

function parseBody(rawText: string, contentType: string | undefined): string | object | null {
  if (rawText === '') return null;
  const trimmed = rawText.trimStart();
  const looksJson = trimmed.startsWith('{') || trimmed.startsWith('[');
  if (looksJson || /json/i.test(contentType ?? '')) {
    try {
      const parsed: unknown = JSON.parse(rawText);
      // A bare JSON scalar is no QBO envelope; keep the text so nothing downstream mistakes it for one.
      return typeof parsed === 'object' && parsed !== null ? parsed : rawText;
    } catch {
      return rawText;
    }
  }
  return rawText;
}

function hasFault(body: unknown): boolean {
  if (isObject(body)) return 'Fault' in body || isObject(body.fault);
  if (typeof body === 'string') return /<Fault[\s>]/.test(body);
  return false;
}

function transportFailure(
  err: unknown,
  timeoutMs: number,
): Pick<QboResponse, 'status' | 'ok' | 'body' | 'rawText' | 'headers' | 'transportError' | 'requestSent'> {
  const base = { status: 0, ok: false, body: null, rawText: '', headers: {} };
  const e = err as { name?: string; message?: string; code?: string; cause?: unknown };
  if (e?.name === 'TimeoutError') {
    return { ...base, transportError: `TIMEOUT: no complete response within ${timeoutMs} ms`, requestSent: true };
  }
  // undici wraps the socket error: TypeError('fetch failed', { cause }) — sometimes an AggregateError of attempts.
  const cause = (e?.cause ?? e) as { code?: string; message?: string; errors?: Array<{ code?: string }> };
  const code = cause?.code ?? cause?.errors?.find((x) => x?.code)?.code ?? e?.code ?? 'FETCH_FAILED';
  const message = cause?.message || e?.message || String(err);
  return { ...base, transportError: `${code}: ${message}`, requestSent: mayHaveBeenSent(code) };
}
