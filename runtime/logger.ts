import { pino, type Logger } from 'pino';

export type { Logger };

/** The one structured logger for web and worker; secrets never reach the output. */
export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: opts.name,
    level: opts.level ?? 'info',
    redact: {
      paths: [
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
      ],
      censor: '[redacted]',
    },
  });
}
