import type { Context, Hono } from 'hono';
import { runBatch } from './batch.ts';
import { changeDataCapture } from './cdc.ts';
import { companyInfoEntity, preferencesEntity } from './company.ts';
import type { SimContext } from './context.ts';
import { entityByPath } from './entities.ts';
import { authenticationFailed, authorizationFailed, lengthError, objectNotFound, QboFault, unsupportedOperation, unsupportedProperty } from './errors.ts';
import type { ActiveFault } from './faults.ts';
import { dropConnection, hang, jsonResult, responseTime, send, serverError, throttled, type RawResult } from './http.ts';
import { parseInclude, query, write, writeOpFor } from './operations.ts';
import { fingerprint, MAX_REQUEST_ID_LENGTH } from './replay.ts';
import type { CompanyState } from './store.ts';
import { sleep } from './time.ts';

/**
 * The QBO v3 data API under /v3/company/{realmId}. Each request goes through, in order: injected faults that act
 * before the service (5xx, throttle, drops, expired token), the gateway's token check (401/403), the throttle
 * (429 XML), requestid replay, and then the operation itself. URIs are case-sensitive, as in QBO.
 */

export function registerApi(app: Hono, sim: SimContext): void {
  app.all('/v3/company/:realmId/*', (c) => handle(sim, c));
  app.all('/v3/company/:realmId', (c) => handle(sim, c));
}

function faultResult(sim: SimContext, fault: QboFault): RawResult {
  return jsonResult(fault.status, { ...fault.body(), time: responseTime(sim) });
}

/** Faults that answer in place of the service; latency and drop_after_commit act around it instead. */
async function earlyFault(sim: SimContext, c: Context, fault: ActiveFault, realmId: string): Promise<Response> {
  switch (fault.kind) {
    case 'throttle':
      sim.meter.countThrottled(realmId);
      return send(c, throttled(sim));
    case 'http5xx':
      return send(c, serverError(sim, fault.status ?? 503));
    case 'drop_before_commit':
      return dropConnection(c, 'drop_before_commit');
    case 'timeout':
      return hang(sim, c, fault.latencyMs ?? 30_000);
    case 'token_expired': {
      // The token really expires, so the client has to refresh rather than simply retry.
      const token = /^Bearer\s+(\S+)/i.exec(c.req.header('authorization') ?? '')?.[1];
      if (token) sim.oauth.expireToken(token);
      return send(c, jsonResult(401, authenticationFailed(`Token expired: ${(token ?? '').slice(0, 20)}`, sim.now())));
    }
    default:
      throw new Error(`fault ${fault.kind} is not an early fault`);
  }
}

/**
 * Synchronous up to the throttle check on purpose: requests started in the same tick take their concurrency slots
 * in order, so "the 11th concurrent request" is well defined.
 */
function handle(sim: SimContext, c: Context): Response | Promise<Response> {
  const realmId = c.req.param('realmId') ?? '';
  const url = new URL(c.req.url);
  sim.meter.countRequest(realmId);
  const fault = sim.faults.match({ realmId, method: c.req.method, target: url.pathname + url.search, surface: 'api' });
  if (fault && fault.kind !== 'latency' && fault.kind !== 'drop_after_commit') return earlyFault(sim, c, fault, realmId);

  const auth = sim.oauth.authenticateApi(c.req.header('authorization'), realmId);
  if (!auth.ok) return send(c, jsonResult(auth.status, auth.body));
  const company = sim.company(realmId);
  if (!company) return send(c, jsonResult(403, authorizationFailed(null, sim.now())));

  const sub = url.pathname.slice(`/v3/company/${realmId}`.length);
  if (!sim.meter.tryAcquire(realmId, sub === '/batch')) return send(c, throttled(sim));
  return (async () => {
    try {
      if (fault?.kind === 'latency') await sleep(fault.latencyMs ?? 1000);
      const result = await withReplay(sim, c, company, sub, url);
      // The write is committed (and stored for replay) but the client never hears about it.
      if (fault?.kind === 'drop_after_commit') return dropConnection(c, 'drop_after_commit');
      return send(c, result);
    } finally {
      sim.meter.release(realmId);
    }
  })();
}

async function withReplay(sim: SimContext, c: Context, company: CompanyState, sub: string, url: URL): Promise<RawResult> {
  const method = c.req.method;
  const bodyText = method === 'POST' ? await c.req.text() : '';
  const run = (): RawResult => dispatch(sim, company, method, sub, url, bodyText);
  const requestId = url.searchParams.get('requestid');
  if (requestId === null) return run();
  if (requestId.length === 0 || requestId.length > MAX_REQUEST_ID_LENGTH) {
    return faultResult(sim, lengthError('requestid', MAX_REQUEST_ID_LENGTH, requestId.length, 1));
  }
  // Reads are answered fresh; only writes (and batch) are replayed.
  if (method !== 'POST' || sub === '/query') return run();
  const realmId = company.realmId;
  return sim.replay.exclusive(realmId, requestId, async () => {
    const fp = fingerprint(method, url.pathname, bodyText);
    const stored = sim.replay.get(realmId, requestId);
    if (stored) {
      if (stored.fingerprint !== fp && sim.opts.requestIdBodyMismatch === 'error') {
        return faultResult(
          sim,
          new QboFault([
            {
              Message: 'RequestId already exists in the system, duplicate request is detected',
              Detail: `The requestid ${requestId} was already used for a different request.`,
              code: '600',
              element: 'requestid',
            },
          ]),
        );
      }
      sim.meter.countReplay(realmId);
      return { status: stored.status, body: stored.body, contentType: stored.contentType };
    }
    const result = run();
    if (result.status < 300 || (result.status === 400 && sim.opts.replayErrorResponses)) {
      sim.replay.store(realmId, requestId, { ...result, fingerprint: fp, at: sim.now() });
    }
    return result;
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw unsupportedProperty('failed to parse json object; a property');
  }
}

function dispatch(sim: SimContext, company: CompanyState, method: string, sub: string, url: URL, bodyText: string): RawResult {
  const time = (): string => responseTime(sim);
  try {
    const segs = sub.split('/').filter(Boolean).map(decodeURIComponent);
    const [first, second, ...rest] = segs;
    const unsupported = (): never => {
      throw unsupportedOperation(`Operation Could not find resource for relative : ${sub} of full path: ${url.href} is not supported.`);
    };
    if (!first || rest.length) return unsupported();
    const offset = sim.opts.utcOffsetMinutes;

    if (first === 'companyinfo' && second && method === 'GET') {
      if (second !== company.realmId) throw objectNotFound('CompanyInfo', second, false);
      return jsonResult(200, { CompanyInfo: companyInfoEntity(company, offset), time: time() });
    }
    if (first === 'preferences' && !second && method === 'GET') {
      return jsonResult(200, { Preferences: preferencesEntity(company, offset), time: time() });
    }
    if (first === 'query' && !second && (method === 'GET' || method === 'POST')) {
      const text = method === 'GET' ? (url.searchParams.get('query') ?? '') : bodyText;
      return jsonResult(200, { QueryResponse: query(sim, company, text), time: time() });
    }
    if (first === 'batch' && !second && method === 'POST') {
      return jsonResult(200, { BatchItemResponse: runBatch(sim, company, parseJson(bodyText)), time: time() });
    }
    if (first === 'cdc' && !second && method === 'GET') {
      const cdc = changeDataCapture(sim, company, url.searchParams.get('entities') ?? undefined, url.searchParams.get('changedSince') ?? undefined);
      return jsonResult(200, { CDCResponse: cdc, time: time() });
    }
    const def = entityByPath(first);
    if (!def) return unsupported();
    if (method === 'GET' && second) {
      return jsonResult(200, { [def.name]: sim.engine.read(company, def.name, second), time: time() });
    }
    if (method === 'POST' && !second) {
      const include = parseInclude(url.searchParams.get('include') ?? undefined);
      const body = parseJson(bodyText);
      const op = writeOpFor(url.searchParams.get('operation') ?? undefined, include, body);
      return jsonResult(200, { [def.name]: write(sim, company, def.name, op, body, include), time: time() });
    }
    return unsupported();
  } catch (err) {
    if (err instanceof QboFault) return faultResult(sim, err);
    sim.logger.warn({ err: err instanceof Error ? err.stack : String(err), path: sub }, 'qbo simulator internal error');
    return serverError(sim, 500);
  }
}
