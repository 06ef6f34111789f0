import type { ConsoleUser } from '../../../../db/queries/users.ts';
import type { RecordNotification } from '../../../../db/queries/notifications.ts';
import type { AttemptRow, AuditEventRow, SourceRecordRow, SyncEventRow, SyncRow } from '../../../../db/schema.ts';
import type { MappingKind, RecordType } from '../../../../domain/vocabulary.ts';
import type { ActionError } from './actions.tsx';

export interface RecordViewProps {
  now: Date;
  user: ConsoleUser;
  csrf: string;
  workflowId: string;
  tenantId: string;
  recordType: RecordType;
  /** The projection row; absent while the record waits for its workflow's first report. */
  row: SyncRow | undefined;
  attempts: AttemptRow[];
  events: SyncEventRow[];
  versions: SourceRecordRow[];
  audit: AuditEventRow[];
  /** Who was told about the record, and each delivery attempt: shown in the timeline beside the workflow's events. */
  notifications?: RecordNotification[];
  temporalUrl: string;
  /** QuickBooks entity per mapping kind, for the mapping search. */
  entityFor: Record<MappingKind, string>;
  /** Set while the record is on its way: the region reloads itself from this URL every 2 s. */
  pollUrl: string | null;
  flash?: { tone: 'ok' | 'error' | 'info'; text: string };
  error?: ActionError;
}
