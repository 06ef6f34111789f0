import { loadConfig, logFormat, type Config } from './config.ts';
import { createLogger, type Logger } from './logger.ts';

/** The configuration of a process that serves: with the database and the Temporal address it cannot start without. */
export type ServiceConfig = Config & { DATABASE_URL: string; TEMPORAL_ADDRESS: string };

/** What an entrypoint starts from, and `run` for its main function. */
export interface Entrypoint {
  config: ServiceConfig;
  logger: Logger;
  /** Runs main; whatever it throws is logged as fatal and ends the process with exit code 1. */
  run(main: () => Promise<void>): void;
}

/**
 * The start-up web/main.ts and worker/main.ts share: the config parsed once, the process's logger, the two settings
 * neither can run without, and one way to fail.
 */
export function entrypoint(name: 'web' | 'worker'): Entrypoint {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, name, format: logFormat(config) });
  function fail(err: unknown): never {
    logger.fatal({ err }, `${name} failed`);
    process.exit(1);
  }
  const { DATABASE_URL, TEMPORAL_ADDRESS } = config;
  if (!DATABASE_URL) fail(new Error('DATABASE_URL is required (npm start sets it for the embedded Postgres).'));
  if (!TEMPORAL_ADDRESS) fail(new Error('TEMPORAL_ADDRESS is required (npm start sets it for the dev server).'));
  return {
    config: { ...config, DATABASE_URL, TEMPORAL_ADDRESS },
    logger,
    run: (main) => void main().catch(fail),
  };
}
