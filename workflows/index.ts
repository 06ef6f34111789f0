// The workflow bundle entry: everything the worker registers and clients import definitions from.
export * from './sync-record.ts';
export * from './realm-connection.ts';
export * from './refresh-references.ts';
export * from './resume-waiting.ts';
export * from './reconcile.ts';
export * from './notify.ts';
