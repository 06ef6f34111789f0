import { defineSignal } from '@temporalio/workflow';

/** AWRA submitted a newer version of the record (fire-and-forget). */
export const sourceUpdatedSignal = defineSignal<[{ version: number }]>('sourceUpdated');
/** A mapping (or a synced master record / invoice) this record may be waiting on changed. */
export const mappingChangedSignal = defineSignal<[{ kind: string; key: string }]>('mappingChanged');
/** The tenant's QuickBooks connection is healthy again (reconnected or refreshed). */
export const connectionRestoredSignal = defineSignal<[{ tenantId: string }]>('connectionRestored');
/** The reconciler found the projection disagreeing with the workflow: write the projection again. */
export const reprojectSignal = defineSignal<[Record<string, never>]>('reproject');
