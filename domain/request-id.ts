/**
 * QuickBooks `requestid`s (≤ 50 characters, unique per realm per logical write). One logical attempt keeps its id
 * across every automatic retry, so QuickBooks replays the first answer instead of posting twice; a new version of
 * the record or a human retry after a fix is a new logical attempt with a new id.
 */

/** FNV-1a, 64 bit: deterministic and dependency-free, so workflows can use it. */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(36);
}

export function pushRequestId(workflowId: string, version: number, logicalAttempt: number): string {
  const id = `qsh-${fnv1a64(workflowId)}-v${version}-a${logicalAttempt}`;
  if (id.length > 50) throw new Error(`requestid too long: ${id}`);
  return id;
}
