import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../runtime/logger.ts';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };
const RANK: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/** Our own workflows and activities log through the SDK; these components carry the product's events. */
const PRODUCT_COMPONENTS = new Set(['workflow', 'activity']);

/**
 * The Temporal runtime's logger, bridged into pino. The product's events (our workflows' and activities' `log`)
 * pass at pino's level; the SDK's own chatter (worker, core) only from `sdkLevel` (WARN unless someone debugs).
 * The activity task token the SDK attaches to every activity line is dropped: it is a credential that completes
 * the activity, and no reader needs it.
 */
export function sdkLogger(logger: Logger, sdkLevel: LogLevel = 'WARN'): DefaultLogger {
  const floor = (Object.keys(RANK) as LogLevel[]).find((l) => PINO_LEVEL[l] === logger.level) ?? 'INFO';
  return new DefaultLogger(RANK[floor] < RANK[sdkLevel] ? floor : sdkLevel, (entry: LogEntry) => {
    const { taskToken: _dropped, ...meta } = entry.meta ?? {};
    const product = PRODUCT_COMPONENTS.has(String(meta.sdkComponent));
    if (!product && RANK[entry.level] < RANK[sdkLevel]) return;
    logger[PINO_LEVEL[entry.level]](meta, entry.message);
  });
}
