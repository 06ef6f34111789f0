import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The API's one error shape: `{ error: { code, message, fields? } }`. */
export function apiError(c: Context, status: ContentfulStatusCode, code: string, message: string, fields?: Record<string, string>) {
  return c.json({ error: { code, message, ...(fields ? { fields } : {}) } }, status);
}

/** Reads a JSON body, or answers 400 with a clear message. */
export async function readJson(c: Context): Promise<{ ok: true; value: unknown } | { ok: false; response: Response }> {
  const type = c.req.header('content-type') ?? '';
  if (!type.includes('application/json')) {
    return { ok: false, response: apiError(c, 415, 'unsupported_media_type', 'Send the body as JSON with Content-Type: application/json.') };
  }
  try {
    return { ok: true, value: await c.req.json() };
  } catch {
    return { ok: false, response: apiError(c, 400, 'invalid_json', 'The request body is not valid JSON.') };
  }
}
