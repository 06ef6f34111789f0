import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import type { ConsoleEnv } from '../../web/console/env.ts';
import { addressKey, LoginThrottle } from '../../web/console/auth.ts';
import { safeNext } from '../../web/console/http.tsx';
import { fromAddress, HOSTILE_NEXT } from '../support/console.ts';

const ORIGIN = 'http://localhost';

/** Where a browser goes with `location` as a redirect from ORIGIN (WHATWG URL parsing, as browsers do). */
const landsOn = (location: string) => new URL(location, ORIGIN).origin;

describe('safeNext', () => {
  it.each(HOSTILE_NEXT.map((next) => [next.length > 60 ? `${JSON.stringify(next.slice(0, 12))}… (${next.length} characters)` : JSON.stringify(next), next]))('keeps %s on this site', (_, next) => {
    const safe = safeNext(next, ORIGIN);
    expect(safe.startsWith('/')).toBe(true);
    expect(safe.startsWith('//')).toBe(false);
    expect(landsOn(safe)).toBe(ORIGIN);
  });

  it('sends what leaves the site, or what a browser would read as another host, home', () => {
    for (const next of ['//evil.example/p', '/\\evil.example/p', '/\t/evil.example/p', '/.//evil.example/p', 'https://evil.example/p', 'javascript:alert(1)']) {
      expect(safeNext(next, ORIGIN), next).toBe('/');
    }
  });

  it('keeps a path of this app with its query and fragment, normalised the way the browser would', () => {
    expect(safeNext('/queue?owner=admin&page=2#results', ORIGIN)).toBe('/queue?owner=admin&page=2#results');
    expect(safeNext('/records/a%2Fb', ORIGIN)).toBe('/records/a%2Fb');
    expect(safeNext('/a/../queue', ORIGIN)).toBe('/queue');
    expect(safeNext('/%09/evil.example/p', ORIGIN)).toBe('/%09/evil.example/p');
    expect(safeNext('/queue?x=é', ORIGIN)).toBe('/queue?x=%C3%A9');
    expect(safeNext(undefined, ORIGIN)).toBe('/');
    expect(safeNext('', ORIGIN)).toBe('/');
  });

  it('resolves against the origin it is given, also behind https', () => {
    expect(safeNext('/queue', 'https://sync.acme.example')).toBe('/queue');
    expect(safeNext('//sync.acme.example.evil.example/', 'https://sync.acme.example')).toBe('/');
  });
});

describe('client address for sign-in counting', () => {
  it('treats an IPv6 /64 as one address and IPv4-mapped IPv6 as the IPv4 address', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:aa:bb:1:2:3:4')).toBe('2001:db8:aa:bb::/64');
    expect(addressKey('2001:0db8:00aa:00bb::9')).toBe('2001:db8:aa:bb::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('not an address')).toBeUndefined();
  });

  const addressOf = async (throttle: LoginThrottle, headers: Record<string, string>, env?: object, trustProxy?: boolean) => {
    const app = new Hono<ConsoleEnv>();
    app.get('/', (c) => {
      if (trustProxy !== undefined) c.set('deps', { trustProxy } as ConsoleEnv['Variables']['deps']);
      return c.text(throttle.clientAddress(c) ?? '(none)');
    });
    return (await app.request('/', { headers }, env)).text();
  };

  it('uses the socket peer and ignores X-Forwarded-For unless told the app is behind a proxy', async () => {
    const forwarded = { 'x-forwarded-for': '198.51.100.1, 192.0.2.9' };
    expect(await addressOf(new LoginThrottle(), forwarded, fromAddress('10.0.0.5'))).toBe('10.0.0.5');
    expect(await addressOf(new LoginThrottle(), forwarded)).toBe('(none)');
    // Behind a proxy the client is what the proxy appended (the last entry); the first is whatever the client sent.
    expect(await addressOf(new LoginThrottle({ trustProxy: true }), forwarded, fromAddress('10.0.0.5'))).toBe('192.0.2.9');
    expect(await addressOf(new LoginThrottle({ trustProxy: true }), { 'x-forwarded-for': 'garbage' }, fromAddress('10.0.0.5'))).toBe('10.0.0.5');
  });

  it('follows the app setting (TRUST_PROXY) unless the throttle was told otherwise', async () => {
    const forwarded = { 'x-forwarded-for': '198.51.100.1, 192.0.2.9' };
    expect(await addressOf(new LoginThrottle(), forwarded, fromAddress('10.0.0.5'), true)).toBe('192.0.2.9');
    expect(await addressOf(new LoginThrottle(), forwarded, fromAddress('10.0.0.5'), false)).toBe('10.0.0.5');
    expect(await addressOf(new LoginThrottle({ trustProxy: false }), forwarded, fromAddress('10.0.0.5'), true)).toBe('10.0.0.5');
  });
});
