import { pino } from 'pino';
import { startSimulator } from './index.ts';

/**
 * Standalone QBO simulator (`npm run qbo:sim`). Environment: QBO_SIM_PORT (4010), QBO_SIM_HOST (127.0.0.1),
 * QBO_SIM_DATA_FILE (optional JSON snapshot for persistence across restarts).
 */

const logger = pino({ name: 'qbo-simulator' });
const port = Number(process.env.QBO_SIM_PORT ?? 4010);
const host = process.env.QBO_SIM_HOST ?? '127.0.0.1';
const persistFile = process.env.QBO_SIM_DATA_FILE || undefined;

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  logger.error({ port: process.env.QBO_SIM_PORT }, 'QBO_SIM_PORT must be a port number');
  process.exit(1);
}

const running = await startSimulator({ port, host, options: { logger, ...(persistFile ? { persistFile } : {}) } });
logger.info({ url: running.url, persistFile }, 'qbo simulator listening');
console.log(`QBO simulator listening on ${running.url}`);

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'qbo simulator stopping');
  running.close().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error({ err }, 'qbo simulator did not stop cleanly');
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
