import { pino, type Logger } from 'pino';
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

/** The one structured logger for web and worker; secrets never reach the output. */
export function createLogger(opts: { level?: string; name?: string; format?: LogFormat } = {}): Logger {
  const options = { name: opts.name, level: opts.level ?? 'info', redact: { paths: REDACT, censor: '[redacted]' } };
  if (opts.format !== 'pretty') return pino(options);
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
