import type { CompanyCredentials, Simulator } from './index.ts';

/**
 * A thin in-process HTTP client for tests: calls `sim.app.request` with the company's bearer token and returns the
 * status, headers and parsed body. Not a QBO client; it sends exactly what it is given.
 */

export interface SimResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- response shapes vary per endpoint
}

export interface SimClient {
  realmId: string;
  accessToken: string;
  call(method: string, path: string, body?: unknown, init?: { contentType?: string; token?: string | null; headers?: Record<string, string> }): Promise<SimResponse>;
  get(path: string): Promise<SimResponse>;
  post(path: string, body: unknown): Promise<SimResponse>;
  query(sql: string): Promise<SimResponse>;
}

export async function toSimResponse(res: Response): Promise<SimResponse> {
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function simClient(sim: Simulator, creds: Pick<CompanyCredentials, 'realmId' | 'accessToken'>): SimClient {
  const base = `/v3/company/${creds.realmId}`;
  const client: SimClient = {
    realmId: creds.realmId,
    accessToken: creds.accessToken,
    async call(method, path, body, init = {}) {
      const token = init.token === undefined ? client.accessToken : init.token;
      const headers: Record<string, string> = { accept: 'application/json', ...(init.headers ?? {}) };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
      const res = await sim.app.request(`${base}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      return toSimResponse(res);
    },
    get: (path) => client.call('GET', path),
    post: (path, body) => client.call('POST', path, body),
    query: (sql) => client.call('GET', `/query?query=${encodeURIComponent(sql)}&minorversion=75`),
  };
  return client;
}
