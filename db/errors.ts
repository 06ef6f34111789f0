/**
 * What a failed database call means for the caller, read from the error itself: drizzle wraps postgres.js errors
 * (DrizzleQueryError with the PostgresError as `cause`), and a refused connection may arrive as an AggregateError.
 */

/**
 * SQLSTATEs by which Postgres refuses the content of a value rather than the request: 22021 character not in
 * repertoire (a NUL in text), 22P05 untranslatable character (`\u0000` in jsonb), 22001 string too long, 22P02
 * invalid text representation (a lone surrogate escape in jsonb).
 */
export const CONTENT_SQLSTATES: ReadonlySet<string> = new Set(['22021', '22P05', '22001', '22P02']);

/** postgres.js's own connection errors and the socket errors under them. */
const OUTAGE_CODES: ReadonlySet<string> = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** The error and everything it wraps (`cause`, and the `errors` of an AggregateError), outermost first. */
function* chain(err: unknown, depth = 0): Generator<Record<string, unknown>> {
  if (!err || typeof err !== 'object' || depth > 8) return;
  const e = err as Record<string, unknown>;
  yield e;
  if (e.cause) yield* chain(e.cause, depth + 1);
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* chain(inner, depth + 1);
}

/** The SQLSTATE of the Postgres error inside `err`, if there is one. */
export function sqlStateOf(err: unknown): string | undefined {
  for (const e of chain(err)) {
    if (e.name === 'PostgresError' && typeof e.code === 'string') return e.code;
  }
  return undefined;
}

/** Postgres refused a value's content (see CONTENT_SQLSTATES): the same write will fail the same way every time. */
export function isUnstorableContent(err: unknown): boolean {
  const state = sqlStateOf(err);
  return state !== undefined && CONTENT_SQLSTATES.has(state);
}

/**
 * The database is not there (refused or lost connection, shutting down, not yet accepting connections): the same
 * request may well succeed in a moment.
 */
export function isDatabaseOutage(err: unknown): boolean {
  const state = sqlStateOf(err);
  if (state) return state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03';
  for (const e of chain(err)) if (typeof e.code === 'string' && OUTAGE_CODES.has(e.code)) return true;
  return false;
}
