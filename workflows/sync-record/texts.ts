import type { QboClassification } from './types.ts';

/** "5 min", "1.5 h", "30 s": how long the record waited, in a sentence. */
export function formatWait(ms: number): string {
  return ms >= 3_600_000 ? `${Math.round(ms / 360_000) / 10} h` : ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

/** "QuickBooks error 6210: message: detail (field X)": what QuickBooks said, for the record's action line. */
export function qboSentence(c: QboClassification | undefined): string {
  if (!c) return '';
  return [c.code && `QuickBooks error ${c.code}`, c.message, c.detail, c.element && `(field ${c.element})`].filter(Boolean).join(': ');
}

/** The timeline sentence of a push that QuickBooks accepted (created, updated, or found already created). */
export function acceptedSentence(p: { number: string; version: number; entity: string; qboId: string; updated: boolean; adopted: boolean; activityAttempt: number }): string {
  if (p.updated) return `QuickBooks updated ${p.entity} ${p.qboId} to version ${p.version} of ${p.number}.`;
  if (p.adopted) return `QuickBooks had already created ${p.entity} ${p.qboId} for ${p.number} before its answer was lost; adopted it.`;
  const retries = p.activityAttempt - 1;
  return `QuickBooks accepted ${p.number} as ${p.entity} ${p.qboId}${retries > 0 ? ` after ${retries} automatic retr${retries === 1 ? 'y' : 'ies'}` : ''}.`;
}
