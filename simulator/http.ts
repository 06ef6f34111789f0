import type { Context } from 'hono';
import type { IncomingMessage } from 'node:http';
import type { SimContext } from './context.ts';
import { qboDateTime } from './time.ts';
import { throttleXml } from './xml.ts';

/**
 * Response helpers shared by the route modules, and the two ways a connection can die under fault injection.
 *
 * Over a real socket (startSimulator / @hono/node-server) "drop" destroys the TCP connection, so the client sees a
 * reset with no response. In-process (`app.fetch` / `app.request`) there is no socket: the returned promise rejects
 * with SimulatedNetworkError instead, which is what a fetch() implementation does on a reset.
 */

export class SimulatedNetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulatedNetworkError';
  }
}

export const JSON_TYPE = 'application/json;charset=UTF-8';

export interface RawResult {
  status: number;
  body: string;
  contentType: string;
}

export function jsonResult(status: number, body: unknown): RawResult {
  return { status, body: JSON.stringify(body), contentType: JSON_TYPE };
}

export function send(c: Context, r: RawResult): Response {
  return c.body(r.body, r.status as 200, { 'Content-Type': r.contentType });
}

export function responseTime(sim: SimContext): string {
  return qboDateTime(sim.now(), sim.opts.utcOffsetMinutes, true);
}

export function throttled(sim: SimContext): RawResult {
  return { status: 429, body: throttleXml(responseTime(sim)), contentType: 'application/xml' };
}

/** 500 carries QBO's SystemFault; the gateway statuses (502-504) come as an HTML error page, as from a proxy. */
export function serverError(sim: SimContext, status: number): RawResult {
  if (status === 500) {
    return jsonResult(500, {
      Fault: {
        Error: [
          {
            Message: 'An application error has occurred while processing your request',
            Detail: 'System Failure Error: An unexpected error occurred while accessing or saving your data. Please wait a few minutes and try again.',
            code: '10000',
          },
        ],
        type: 'SystemFault',
      },
      time: responseTime(sim),
    });
  }
  const text = status === 503 ? 'Service Unavailable' : status === 504 ? 'Gateway Timeout' : status === 502 ? 'Bad Gateway' : 'Error';
  return { status, body: `<html><head><title>${status} ${text}</title></head><body><h1>${status} ${text}</h1></body></html>`, contentType: 'text/html' };
}

function socketOf(c: Context): IncomingMessage['socket'] | undefined {
  const env = c.env as { incoming?: IncomingMessage } | undefined;
  return env?.incoming?.socket ?? undefined;
}

/** Ends the connection without a response. */
export function dropConnection(c: Context, why: string): Response {
  const socket = socketOf(c);
  if (!socket) throw new SimulatedNetworkError(`connection dropped by the QBO simulator (${why})`);
  socket.destroy();
  // Tells @hono/node-server that nothing is left to write.
  return new Response(null, { headers: { 'x-hono-already-sent': 'true' } });
}

/** Holds the request open without answering, then cuts the connection, like a server that stopped responding. */
export async function hang(sim: SimContext, c: Context, ms: number): Promise<Response> {
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      sim.hangs.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    sim.hangs.add(done);
  });
  return dropConnection(c, 'timeout');
}
