import { fileURLToPath } from 'node:url';
import type { PayloadCodec } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Activities } from '../activities/index.ts';
import { encryptingDataConverter, FAILURE_CONVERTER_PATH } from '../runtime/payload-codec.ts';
import { keepAlive } from './keep-alive.ts';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * What `bundleWorkflowCode` needs to build the bundle a worker runs: the workflows, and the failure converter that
 * moves failure messages into (encrypted) payloads inside the sandbox.
 */
export const WORKFLOW_BUNDLE_OPTIONS = { workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH } as const;

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** Encrypts every payload the worker writes and decrypts what it reads (runtime/payload-codec.ts). */
  payloadCodec: PayloadCodec;
  /** A prebuilt bundle (tests bundle once per file, with WORKFLOW_BUNDLE_OPTIONS); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  maxConcurrentActivityTaskExecutions?: number;
}

export function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    dataConverter: encryptingDataConverter(opts.payloadCodec),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions ?? 100,
    interceptors: { activity: [keepAlive] },
  });
}
