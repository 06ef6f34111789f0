import type { Context } from '@temporalio/activity';
import type { ActivityInterceptors } from '@temporalio/worker';

/**
 * Heartbeats every activity scheduled with a heartbeat timeout while it runs, a third of that timeout apart (the
 * SDK throttles further). It proves the worker process is alive, not that the call progresses — the start-to-close
 * timeout still bounds that. Without it an activity whose worker was killed, or whose task was lost while the
 * Temporal server restarted, waited out its whole start-to-close timeout (2 minutes) before being retried.
 */
export function keepAlive(ctx: Context): ActivityInterceptors {
  return {
    inbound: {
      async execute(input, next) {
        const timeoutMs = ctx.info.heartbeatTimeoutMs;
        if (ctx.info.isLocal || !timeoutMs) return next(input);
        const timer = setInterval(() => ctx.heartbeat(), Math.max(500, Math.floor(timeoutMs / 3)));
        try {
          return await next(input);
        } finally {
          clearInterval(timer);
        }
      },
    },
  };
}
