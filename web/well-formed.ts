import type { MiddlewareHandler } from 'hono';
import { characterFault, textFaultMessage } from '../domain/text.ts';

/** A request whose address or form is not clean text; web/app.ts's onError answers it with 400. */
export class InvalidTextError extends Error {
  constructor(
    message: string,
    readonly fields: Record<string, string>,
  ) {
    super(message);
    this.name = 'InvalidTextError';
  }
}

const ANY_LENGTH = Number.MAX_SAFE_INTEGER;

/** Strict percent-decoding: a malformed escape or bytes that are not UTF-8 (e.g. `%ED%A0%80`, an encoded surrogate) throw. */
function decode(part: string, plusIsSpace: boolean): string | undefined {
  try {
    return decodeURIComponent(plusIsSpace ? part.replace(/\+/g, ' ') : part);
  } catch {
    return undefined;
  }
}

function check(raw: string, label: string, field: string, plusIsSpace: boolean): void {
  const value = decode(raw, plusIsSpace);
  const fault = value === undefined ? 'surrogate' : characterFault(value);
  if (fault) {
    const message = textFaultMessage(fault, { label, max: ANY_LENGTH });
    throw new InvalidTextError(message, { [field]: message });
  }
}

function checkQuery(search: string): void {
  for (const pair of search.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    check(rawKey, 'A query parameter name', 'query', true);
    const name = decode(rawKey, true)!;
    if (eq !== -1) check(pair.slice(eq + 1), `The query parameter "${name}"`, name, true);
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Every path segment and query parameter of every route, and the fields of console forms, are read as text under
 * the shared rule (domain/text.ts) before any route runs: no control characters, nothing that does not decode to
 * valid UTF-8. Hono and URLSearchParams quietly keep an undecodable escape as literal text or turn it into U+FFFD;
 * here it is refused instead, so no route ever passes such a value on to Postgres or Temporal. Control characters in
 * form fields are left to each form's own checks, which answer 422 with the form and the field's message.
 */
export const wellFormedRequest: MiddlewareHandler = async (c, next) => {
  const url = new URL(c.req.url);
  for (const segment of url.pathname.split('/')) check(segment, 'The address', 'path', false);
  if (url.search.length > 1) checkQuery(url.search.slice(1));
  const type = c.req.header('content-type') ?? '';
  if (type.includes('application/x-www-form-urlencoded') && !url.pathname.startsWith('/api/')) {
    let body: string;
    try {
      body = UTF8.decode(await c.req.arrayBuffer());
    } catch {
      const message = textFaultMessage('surrogate', { label: 'The form', max: ANY_LENGTH });
      throw new InvalidTextError(message, { form: message });
    }
    for (const pair of body.split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const name = decode(eq === -1 ? pair : pair.slice(0, eq), true);
      if (name === undefined || (eq !== -1 && decode(pair.slice(eq + 1), true) === undefined)) {
        const message = textFaultMessage('surrogate', { label: name ? `The form field "${name}"` : 'The form', max: ANY_LENGTH });
        throw new InvalidTextError(message, { [name ?? 'form']: message });
      }
    }
  }
  await next();
};
