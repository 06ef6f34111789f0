import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** `json` for machines (production, piped output); `pretty` for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/** Pretty when a person reads it: a terminal in development, unless LOG_FORMAT says otherwise. */
export function logFormatFor(opts: { setting: 'auto' | LogFormat; nodeEnv: string; isTTY: boolean | undefined }): LogFormat {
  if (opts.setting !== 'auto') return opts.setting;
  return opts.isTTY && opts.nodeEnv !== 'production' ? 'pretty' : 'json';
}

/** Never written, at any level: credentials, and the SDK's activity task tokens (they complete the activity). */
const REDACT = [
  'accessToken',
  'refreshToken',
  '*.accessToken',
  '*.refreshToken',
  'access_token',
  'refresh_token',
  '*.access_token',
  '*.refresh_token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'apiKey',
  '*.apiKey',
  'clientSecret',
  '*.clientSecret',
  'taskToken',
  '*.taskToken',
];

/** Fields of database errors that hold the values a query was run with (postgres.js, drizzle). */
const VALUE_FIELDS = new Set(['parameters', 'params', 'args', 'types']);
const MAX_CAUSES = 10;

/**
 * Drizzle's failed-query message is `Failed query: <sql>\nparams: <values>` (also when Temporal copies it into a
 * failure's message, and at the head of the error's stack): the SQL stays, the values go, up to the stack frames.
 */
function withoutParams(text: string): string {
  const query = text.indexOf('Failed query: ');
  const params = query === -1 ? -1 : text.indexOf('\nparams: ', query);
  if (params === -1) return text;
  const frames = text.slice(params + 1).search(/\n\s+at /);
  return `${text.slice(0, params)}\nparams: [redacted]${frames === -1 ? '' : text.slice(params + 1 + frames)}`;
}

/** Postgres echoes the offending values in `detail` (`Key (email)=(…) already exists.`, `Failing row contains (…)`). */
function withoutDetailValues(detail: string): string {
  if (detail.startsWith('Failing row contains')) return 'Failing row contains ([redacted]).';
  return detail.replace(/\)=\(.*\)(?=[^)]*$)/s, ')=([redacted])');
}

/** A stand-in for `err` (same type, message, stack and fields) without the values its query ran with. */
function scrubbed(err: Error, depth: number): Error {
  const source = err as Error & Record<string, unknown>;
  const copy = Object.create(Object.getPrototypeOf(err) as object) as Error & Record<string, unknown>;
  for (const key of Object.keys(err)) if (!VALUE_FIELDS.has(key)) copy[key] = source[key];
  const message = withoutParams(err.message);
  const hidden = (key: string, value: unknown) => Object.defineProperty(copy, key, { value, enumerable: false, writable: true, configurable: true });
  hidden('message', message);
  hidden('stack', typeof err.stack === 'string' ? withoutParams(err.stack) : err.stack);
  if (typeof copy.detail === 'string') copy.detail = withoutDetailValues(copy.detail);
  if (depth < MAX_CAUSES) {
    if (err.cause instanceof Error) hidden('cause', scrubbed(err.cause, depth + 1));
    if (Array.isArray(source.errors)) hidden('errors', source.errors.map((e: unknown) => (e instanceof Error ? scrubbed(e, depth + 1) : e)));
  } else {
    hidden('cause', undefined);
    hidden('errors', undefined);
  }
  return copy;
}

/**
 * pino's error serializer, minus the values a failed query ran with: postgres.js errors carry them as `parameters`
 * and `args` (enumerable in its debug mode), drizzle's as `params` and inside the message, Postgres's `detail` echoes
 * them. Such a value can be a token, a password hash or a person's address, and the redact paths cannot see inside
 * a message. Also applied to an error logged as a string (`{ err: err.message }`).
 */
export function serializeError(err: unknown): unknown {
  if (typeof err === 'string') return withoutParams(err);
  return pino.stdSerializers.err(err instanceof Error ? scrubbed(err, 0) : (err as Error));
}

/** The one structured logger for web and worker; secrets never reach the output. */
export function createLogger(opts: { level?: string; name?: string; format?: LogFormat; destination?: DestinationStream } = {}): Logger {
  const options = {
    name: opts.name,
    level: opts.level ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    // `error` is the key the Temporal SDK logs failures under (worker/sdk-logger.ts passes them through).
    serializers: { err: serializeError, error: serializeError },
  };
  if (opts.format !== 'pretty') return opts.destination ? pino(options, opts.destination) : pino(options);
  // One readable line per event: time, level, which process, the message, then the fields a person acts on (the
  // SDK's bookkeeping — run ids, activity ids, task queue — stays in the JSON format). Only a crash's `err` keeps
  // its multi-line stack.
  return pino(
    options,
    pretty({
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,name,sdkComponent,taskQueue,isLocal,namespace,activityId,workflowRunId,workflowType,runId',
      errorLikeObjectKeys: ['err'],
      messageFormat: '{if name}[{name}] {end}{msg}',
      sync: true,
    }),
  );
}
