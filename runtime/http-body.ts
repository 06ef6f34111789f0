/** A response body as JSON when it is JSON, else its text (undefined when empty): for scripts and tests calling the API. */
export async function readJsonOrText(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
