import { ownerForFailureClass } from '../domain/vocabulary.ts';
import type { FailureClass, Owner } from '../domain/vocabulary.ts';

/**
 * Reads one QuickBooks Online response (or the lack of one) and decides what it means for a sync: accepted, or which
 * failure class, whether an automatic retry can help and who owns the next step. This is the only place that
 * interprets QBO error bodies (STYLE.md "Errors"); facts and codes come from shared/reference/qbo-api.md §3.
 *
 * It keys on the error `code`, never on `Fault.type`, whose spellings vary in real traffic (§3.1). It is pure: no I/O
 * and no node builtins, so workflows and tests can call it freely.
 */

export type QboClass = 'accepted' | FailureClass;

/** One error entry of a QBO fault, whichever body shape it came in. */
export interface QboErrorEntry {
  code?: string;
  message?: string;
  detail?: string;
  element?: string;
}

/**
 * What classifyQboResponse decided. `code`/`message`/`detail`/`element` come from the error that decided the class;
 * `errors` keeps every entry because QBO may report several and people need all of them (reference §9.6).
 */
export interface QboClassification {
  class: QboClass;
  /** True only when repeating the same request (same `requestid`) may succeed without anyone changing anything. */
  retryable: boolean;
  owner: Owner;
  code?: string;
  message?: string;
  detail?: string;
  element?: string;
  intuitTid?: string;
  errors?: QboErrorEntry[];
  /**
   * A step the caller should take before retrying, where the class alone does not say it: `refresh_token` for an
   * expired or rejected access token (401), `reread_sync_token` for a stale object (5010).
   */
  hint?: 'refresh_token' | 'reread_sync_token';
}

/** Input to classifyQboResponse (DESIGN.md §5). `status` is 0 when no HTTP response arrived. */
export interface QboResponseInput {
  status: number;
  body: string | object | null;
  headers?: Record<string, string>;
  /** Set when the HTTP exchange failed below HTTP: a timeout, a reset, a refused connection. */
  transportError?: string;
  /** False only when the request certainly never left this process (the connection was never opened). */
  requestSent?: boolean;
}

interface CodeRule {
  class: FailureClass;
  hint?: QboClassification['hint'];
}

const rule = (c: FailureClass, hint?: CodeRule['hint']): CodeRule => (hint ? { class: c, hint } : { class: c });

/**
 * Every code of reference §3.6, plus the legacy codes the reference names elsewhere (§3.5, §3.4). Decisions that are
 * not obvious from the table:
 * - 401-family codes are `authorization` and not retryable: the workflow refreshes the token first (hint), and only
 *   the connection workflow may do that, so an activity retry would just repeat the 401.
 * - 130 (wrong cluster) and 3100 (missing scope / wrong environment) are connection set-up problems an admin fixes,
 *   so they are `authorization` too rather than a finance-owned rejection.
 * - 5010 (stale SyncToken) is `transient`: nothing is wrong with the data; re-reading the entity and repeating the
 *   write is the fix, and the system can do that alone.
 * - 6000 is QBO's catch-all business validation. The record already passed AWRA readiness, so the useful framing is
 *   "QuickBooks refused it, read the detail": `provider_rejection`, not retried (the [U] inventory-lock cases are
 *   rare and a person can press retry).
 * - Errors a clerk fixes in the AWRA record (2020 missing field, 2050 length, 2080 number format, 2210 e-mail, 6070
 *   line maths, 6080 no name, 620 payment applied to another customer's invoice) are `source_data`.
 * - Errors that say a mapped QBO reference is wrong (610, 2500 inactive/invalid reference, 6100 invalid tax code on a
 *   line, 6430 item mapped to an AR/AP account) are `mapping`, owned by the admin who maintains mappings.
 * - Company state (6190 subscription, 6210 closed period, 5020/5030 feature, 6540 deposited, 140 locked) and code
 *   bugs that nobody can fix by editing a record (500 unsupported operation, 2170 enumeration, 4000/4001 query,
 *   10100 result size) are `provider_rejection`.
 * - 600 ("RequestId already exists", legacy) means an earlier attempt with this requestid reached QBO, so the entity
 *   may exist: `outcome_uncertain`, look it up before anything else.
 */
const CODE_RULES: Record<string, CodeRule> = {
  // authentication and authorization (legacy 1-499 plus the gateway codes)
  '100': rule('authorization', 'refresh_token'),
  '110': rule('authorization', 'refresh_token'),
  '120': rule('authorization'),
  '130': rule('authorization'),
  '140': rule('provider_rejection'),
  '150': rule('transient'),
  '3100': rule('authorization'),
  '3200': rule('authorization', 'refresh_token'),
  // throttling
  '3001': rule('throttled'),
  // general
  '500': rule('provider_rejection'),
  '600': rule('outcome_uncertain'),
  '610': rule('mapping'),
  '620': rule('source_data'),
  '630': rule('duplicate_risk'),
  // validation
  '2020': rule('source_data'),
  '2050': rule('source_data'),
  '2080': rule('source_data'),
  '2170': rule('provider_rejection'),
  '2210': rule('source_data'),
  '2500': rule('mapping'),
  '4000': rule('provider_rejection'),
  '4001': rule('provider_rejection'),
  // specific
  '5010': rule('transient', 'reread_sync_token'),
  '5020': rule('provider_rejection'),
  '5030': rule('provider_rejection'),
  '6000': rule('provider_rejection'),
  '6070': rule('source_data'),
  '6080': rule('source_data'),
  '6100': rule('mapping'),
  '6140': rule('duplicate_risk'),
  '6190': rule('provider_rejection'),
  '6210': rule('provider_rejection'),
  '6240': rule('duplicate_risk'),
  '6430': rule('mapping'),
  '6540': rule('provider_rejection'),
  // system
  '10000': rule('transient'),
  '10100': rule('provider_rejection'),
};

/** OAuth token-endpoint errors (reference §7.5): the connection needs an admin, never a blind retry. */
const OAUTH_ERRORS = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client', 'unsupported_grant_type']);

/** Every code this classifier decides by name (its rule table and the OAuth errors): each has a help article. */
export const CLASSIFIED_CODES: readonly string[] = [...Object.keys(CODE_RULES), ...OAUTH_ERRORS];

/**
 * Network error codes raised before any byte of the request could reach the server: the connection never opened (or
 * was refused before TLS completed), so the request cannot have reached QBO. The client (qbo/client.ts) and the OAuth
 * wrapper (qbo/oauth.ts) use this list to set `requestSent`; the classifier uses it when `requestSent` is not given.
 */
export const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_INVALID_URL',
]);
const NOT_SENT_ERRORS = new RegExp(`\\b(${[...NOT_SENT_CODES].join('|')})\\b`, 'i');

/** Could a request that failed with this network error code have reached the server? */
export function mayHaveBeenSent(code: string): boolean {
  return !NOT_SENT_CODES.has(code);
}

/** 429, or the throttle fault QBO used to send with HTTP 403 (reference §3.3), read from the raw response. */
export function isThrottleResponse(status: number, rawText: string): boolean {
  return status === 429 || /ThrottleExceeded|errorCode=003001/.test(rawText);
}

const RETRYABLE: ReadonlySet<FailureClass> = new Set(['throttled', 'transient', 'outcome_uncertain']);

/**
 * Decides, in this order: no HTTP response (transport), throttling (429 or a throttle fault in any body), OAuth token
 * errors, QBO faults by code (in any body shape, whatever the HTTP status, 200 included), then the bare HTTP status.
 */
export function classifyQboResponse(input: QboResponseInput): QboClassification {
  const intuitTid = headerValue(input.headers, 'intuit_tid');
  const status = Number.isFinite(input.status) ? input.status : 0;

  if (input.transportError !== undefined || status <= 0) {
    const sent = input.requestSent ?? !NOT_SENT_ERRORS.test(input.transportError ?? '');
    return result(sent ? 'outcome_uncertain' : 'transient', {
      intuitTid,
      message: input.transportError ?? 'No HTTP response was received.',
    });
  }

  const parsed = readBody(input.body);
  const errors = parsed.errors.map(normaliseEntry);
  const base = { intuitTid, ...(errors.length ? { errors } : {}) };

  if (status === 429 || parsed.throttled || errors.some((e) => isThrottle(e))) {
    const decisive = errors.find((e) => isThrottle(e)) ?? errors[0];
    return result('throttled', { ...base, ...decisive });
  }

  if (parsed.oauthError) {
    return result('authorization', { ...base, code: parsed.oauthError, message: parsed.oauthDescription ?? parsed.oauthError });
  }

  if (errors.length > 0) {
    const ruled = errors.map((e) => ({ entry: e, rule: ruleFor(e, status, input.requestSent) }));
    // One error that retrying cannot fix makes the whole request unfixable by retrying, so it decides the class.
    const decisive = ruled.find((r) => !RETRYABLE.has(r.rule.class)) ?? ruled[0]!;
    return result(decisive.rule.class, { ...base, ...decisive.entry, hint: decisive.rule.hint });
  }

  if (status >= 200 && status < 300) return { class: 'accepted', retryable: false, owner: 'system', ...defined({ intuitTid }) };

  return result(classForStatus(status, input.requestSent), {
    ...base,
    message: parsed.text ? `HTTP ${status}: ${parsed.text.slice(0, 200)}` : `HTTP ${status}`,
    hint: status === 401 ? 'refresh_token' : undefined,
  });
}

/**
 * The classification of an outcome the product decided without a QuickBooks answer (no connection, a refresh that
 * was refused, a wait that ran out): retryability and owner follow from the class, as for any answer.
 */
export function classificationFor(c: FailureClass, fields: Partial<Omit<QboClassification, 'class' | 'retryable' | 'owner'>> = {}): QboClassification {
  return result(c, fields);
}

function result(
  c: FailureClass,
  fields: Partial<Omit<QboClassification, 'class' | 'retryable' | 'owner'>>,
): QboClassification {
  return { class: c, retryable: RETRYABLE.has(c), owner: ownerForFailureClass(c), ...defined(fields) };
}

/** Drops undefined fields so results compare cleanly and serialise without noise. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function ruleFor(e: QboErrorEntry, status: number, requestSent: boolean | undefined): CodeRule {
  // python-quickbooks#208 saw "Account Period Closed" under code 5010; the message is the reliable signal there.
  if (/account period closed/i.test(`${e.message ?? ''} ${e.detail ?? ''}`)) return rule('provider_rejection');
  const known = e.code !== undefined ? CODE_RULES[e.code] : undefined;
  if (known) return known;
  return classForUnknownCode(status, requestSent);
}

/**
 * An error code we do not know: decide by HTTP status, never as accepted. A 500 carrying a fault is the QBO
 * application reporting its own failure, so `transient`; a 502-504 fault comes from the gateway in front of it, which
 * may have forwarded the request already.
 */
function classForUnknownCode(status: number, requestSent: boolean | undefined): CodeRule {
  if (status === 401) return rule('authorization', 'refresh_token');
  if (status === 403) return rule('authorization');
  if (status === 429) return rule('throttled');
  if (status >= 502 && status <= 504) return rule(requestSent === false ? 'transient' : 'outcome_uncertain');
  if (status >= 500) return rule('transient');
  return rule('provider_rejection');
}

/**
 * No QBO fault in the body. A 5xx without QBO's own fault came from something in front of the application (gateway,
 * proxy, load balancer) or from an application that died mid-request, so a write may or may not have happened.
 */
function classForStatus(status: number, requestSent: boolean | undefined): FailureClass {
  if (status === 401 || status === 403) return 'authorization';
  if (status === 408 || status >= 500) return requestSent === false ? 'transient' : 'outcome_uncertain';
  return 'provider_rejection';
}

function isThrottle(e: QboErrorEntry): boolean {
  return e.code === '3001' || /ThrottleExceeded|errorCode=0*3001\b/i.test(`${e.message ?? ''} ${e.detail ?? ''}`);
}

/** Codes arrive as "3001" or zero-padded "003001"; gateway messages may carry only "errorCode=003200". */
function normaliseEntry(e: QboErrorEntry): QboErrorEntry {
  let code = e.code?.trim();
  if (!code) code = /errorCode=(\d+)/.exec(e.message ?? '')?.[1];
  if (code && /^\d+$/.test(code)) code = code.replace(/^0+(?=\d)/, '');
  return defined({ code: code || undefined, message: e.message, detail: e.detail, element: e.element || undefined });
}

function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name && typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

interface ParsedBody {
  errors: QboErrorEntry[];
  throttled: boolean;
  oauthError?: string;
  oauthDescription?: string;
  /** A short plain-text body, kept for the message when nothing structured was found. */
  text?: string;
}

function readBody(body: string | object | null): ParsedBody {
  if (body === null || body === undefined) return { errors: [], throttled: false };
  if (typeof body !== 'string') return readJson(body);
  const trimmed = body.trim();
  if (trimmed === '') return { errors: [], throttled: false };
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return readJson(JSON.parse(trimmed) as unknown);
    } catch {
      // Not JSON after all: fall through and read it as text or XML.
    }
  }
  if (trimmed.startsWith('<')) {
    const errors = readXmlFaults(trimmed);
    return { errors, throttled: /ThrottleExceeded|errorCode=0*3001\b/i.test(trimmed) };
  }
  return { errors: [], throttled: /ThrottleExceeded|errorCode=0*3001\b/i.test(trimmed), text: trimmed };
}

function readJson(value: unknown): ParsedBody {
  const out: ParsedBody = { errors: [], throttled: false };
  // The token endpoint has been seen answering with the error object wrapped in an array (reference §7.5).
  const root = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (!isObject(root)) return out;

  if (typeof root.error === 'string' && OAUTH_ERRORS.has(root.error)) {
    out.oauthError = root.error;
    if (typeof root.error_description === 'string') out.oauthDescription = root.error_description;
  }
  out.errors.push(...faultEntries(root.Fault), ...faultEntries(root.fault));
  // A batch answers 200 with per-item faults (reference §2.3); any of them makes the body an error.
  for (const key of ['BatchItemResponse', 'batchItemResponse']) {
    const items = root[key];
    if (Array.isArray(items)) {
      for (const item of items) if (isObject(item)) out.errors.push(...faultEntries(item.Fault), ...faultEntries(item.fault));
    }
  }
  return out;
}

/** Reads the standard `Fault.Error[]` and the gateway `fault.error[]`, whichever key case each level uses. */
function faultEntries(fault: unknown): QboErrorEntry[] {
  if (!isObject(fault)) return [];
  const raw = fault.Error ?? fault.error;
  const list = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
  const entries = list.filter(isObject).map((e) =>
    defined({
      code: str(e.code ?? e.Code),
      message: str(e.Message ?? e.message),
      detail: str(e.Detail ?? e.detail),
      element: str(e.element ?? e.Element),
    }),
  );
  // A Fault with no readable Error entry is still a fault; keep its type so the failure is not silently accepted.
  if (entries.length === 0) return [defined({ message: str(fault.type) ?? 'QuickBooks returned a Fault without errors' })];
  return entries;
}

/** XML faults (throttling, SystemFault, legacy auth): `<Error code="…" element="…"><Message/><Detail/></Error>`. */
function readXmlFaults(xml: string): QboErrorEntry[] {
  const entries: QboErrorEntry[] = [];
  const faults = xml.match(/<(?:\w+:)?Fault\b[\s\S]*?<\/(?:\w+:)?Fault>/g) ?? [];
  for (const fault of faults) {
    const errorRe = /<(?:\w+:)?Error\b([^>]*?)(?:\/>|>([\s\S]*?)<\/(?:\w+:)?Error>)/g;
    let m: RegExpExecArray | null;
    let found = false;
    while ((m = errorRe.exec(fault)) !== null) {
      found = true;
      const attrs = m[1] ?? '';
      const inner = m[2] ?? '';
      entries.push(
        defined({
          code: xmlAttr(attrs, 'code'),
          element: xmlAttr(attrs, 'element'),
          message: xmlChild(inner, 'Message'),
          detail: xmlChild(inner, 'Detail'),
        }),
      );
    }
    if (!found) entries.push({ message: xmlAttr(fault, 'type') ?? 'QuickBooks returned a Fault without errors' });
  }
  return entries;
}

function xmlAttr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(attrs);
  const v = m?.[1] ?? m?.[2];
  return v === undefined || v === '' ? undefined : decodeXml(v);
}

function xmlChild(inner: string, name: string): string | undefined {
  const m = new RegExp(`<(?:\\w+:)?${name}\\b[^>]*>([\\s\\S]*?)</(?:\\w+:)?${name}>`).exec(inner);
  const v = m?.[1]?.replace(/^<!\[CDATA\[([\s\S]*)\]\]>$/, '$1').trim();
  return v ? decodeXml(v) : undefined;
}

function decodeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

/**
 * Does QuickBooks' answer to a read by Id say the entity is gone (deleted)? It answers 400 with 610 "Object Not
 * Found" for a deleted transaction (qbo-api.md §4); some gateways answer 404.
 */
export function readsAsDeleted(httpStatus: number, c: Pick<QboClassification, 'code'>): boolean {
  return c.code === '610' || httpStatus === 404;
}
