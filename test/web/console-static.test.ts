import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../web/app.ts';
import type { AppDeps } from '../../web/deps.ts';

/** The console's static files need no database and no Temporal: nothing else is given. */
const app = createApp({ logger: pino({ level: 'silent' }) } as unknown as AppDeps);

describe('the console static files', () => {
  it('serves htmx, the stylesheet and the icon with an ETag', async () => {
    for (const [name, type] of [['htmx.min.js', 'text/javascript'], ['console.css', 'text/css'], ['favicon.svg', 'image/svg+xml']]) {
      const res = await app.request(`/static/${name}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type'), name).toContain(type);
      const etag = res.headers.get('etag')!;
      expect((await app.request(`/static/${name}`, { headers: { 'if-none-match': etag } })).status, name).toBe(304);
    }
  });

  it('answers 404 for every other name, those of Object.prototype included', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf', 'nope.js', 'console.css.map']) {
      const res = await app.request(`/static/${name}`);
      expect(res.status, name).toBe(404);
    }
  });
});
