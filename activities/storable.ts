import { Context } from '@temporalio/activity';
import { isUnstorableContent, sqlStateOf } from '../db/errors.ts';
import { storableDeep } from '../domain/text.ts';

/**
 * Writes `value`; when Postgres refuses its text (a NUL, an unpaired surrogate: see db/errors.ts), writes it again
 * with those characters replaced by U+FFFD and logs a warning.
 *
 * Why not fail, or retry: the refusal is about the content, so a retry fails the same way for ever, and these writes
 * are the workflow's projection and audit trail — a local activity retried without end keeps the workflow from
 * answering (an update that projects never returns) and hides the record's state from everyone. Failing it would
 * fail the workflow instead. The edge already refuses such text (domain/text.ts), so reaching this means something
 * slipped past it; keeping the record visible and working, with a visible "�" where the unstorable character was,
 * is better than either. Any other failure (the database is down) is thrown as before and retried by Temporal.
 */
export async function writeStorable<T>(what: string, value: T, write: (value: T) => Promise<void>, ids: Record<string, unknown> = {}): Promise<void> {
  try {
    await write(value);
  } catch (err) {
    if (!isUnstorableContent(err)) throw err;
    Context.current().log.warn(`Postgres refused text in the ${what}; writing it with the unstorable characters replaced`, {
      ...ids,
      sqlState: sqlStateOf(err),
      error: (err as Error).message,
    });
    await write(storableDeep(value));
  }
}
