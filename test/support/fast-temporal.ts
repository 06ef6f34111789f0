import {
  ApplicationFailure,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';

/**
 * An in-process stand-in for the Temporal `Client`, for the fast tier (`npm run test:fast`): web routes and
 * activities that only *talk* to Temporal, tested without a server. It runs no workflow code. It keeps what a server
 * would keep for these callers — which workflows run, what they were started with and were sent — and answers with
 * the errors the real client throws (WorkflowNotFoundError, WorkflowUpdateFailedError carrying the validator's
 * sentence, WorkflowExecutionAlreadyStartedError, ScheduleAlreadyRunning / ScheduleNotFoundError, ServiceError when
 * unreachable), so the code under test takes the same branches as against a real server.
 *
 * It covers only what the code calls today; anything else throws a message naming the member, so a route that starts
 * using more of the client fails clearly here rather than with "undefined is not a function".
 */

/** A workflow as the fake server knows it. */
export interface FakeWorkflow {
  workflowId: string;
  /** The workflow type (the definition's function name, as the real client sends it). */
  type: string;
  taskQueue: string;
  args: unknown[];
  status: 'RUNNING' | 'COMPLETED';
  /** Signals received, in order (a signalWithStart's signal included). */
  signals: Array<{ name: string; args: unknown[] }>;
  /** Updates that were accepted by the handler, in order. */
  updates: Array<{ name: string; args: unknown[] }>;
  typedSearchAttributes?: unknown;
}

/**
 * Answers an Update the way the workflow would: return its result, or throw an Error whose message is the
 * validator's sentence (the fake hands it to the caller as the real client does: a WorkflowUpdateFailedError whose
 * cause is an ApplicationFailure with that message).
 */
export type UpdateHandler = (update: { name: string; arg: unknown; workflow: FakeWorkflow }) => unknown;
export type QueryHandler = (query: { name: string; args: unknown[]; workflow: FakeWorkflow }) => unknown;
/** The result of a workflow run with `client.workflow.execute` (the reconciler run on demand). */
export type ExecuteHandler = (workflow: FakeWorkflow) => unknown;

export interface FakeSchedule {
  scheduleId: string;
  options: Record<string, unknown>;
  triggers: unknown[];
}

/** Every call the code under test made, in order. */
export type FakeCall =
  | { op: 'start'; workflowId: string; type: string }
  | { op: 'signalWithStart'; workflowId: string; type: string; signal: string }
  | { op: 'signal'; workflowId: string; signal: string }
  | { op: 'update'; workflowId: string; update: string }
  | { op: 'query'; workflowId: string; query: string }
  | { op: 'describe'; workflowId: string }
  | { op: 'execute'; workflowId: string; type: string }
  | { op: 'schedule.create'; scheduleId: string }
  | { op: 'schedule.trigger'; scheduleId: string }
  | { op: 'getSystemInfo' }
  | { op: 'describeTaskQueue'; taskQueue: string };

export interface FakeTemporal {
  /** What the app or the activity environment is given. */
  client: Client;
  workflows: Map<string, FakeWorkflow>;
  schedules: Map<string, FakeSchedule>;
  calls: FakeCall[];
  /** Workers polling, by when each last polled (health reads them from DescribeTaskQueue). */
  pollers: Date[];
  /** True: every call fails as when the server cannot be reached. */
  unreachable: boolean;
  onUpdate: UpdateHandler;
  onQuery: QueryHandler;
  onExecute: ExecuteHandler;
  /** A workflow that runs already (as if started earlier), e.g. a record's sync a test acts on. */
  seed(workflow: Pick<FakeWorkflow, 'workflowId'> & Partial<FakeWorkflow>): FakeWorkflow;
}

type Definition = string | { name: string };

const nameOf = (def: Definition) => (typeof def === 'string' ? def : def.name);

/** Property reads that are not calls into the client: promise checks, printers and matchers probing an object. */
const PROBES = new Set(['then', 'toJSON', 'asymmetricMatch', '$$typeof', 'nodeType', 'tagName', 'constructor', 'inspect']);

function strict<T extends object>(what: string, target: T): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (typeof prop === 'symbol' || PROBES.has(prop) || prop in t) return Reflect.get(t, prop, receiver);
      throw new Error(`The fast-tier Temporal fake has no ${what}.${prop}; add it to test/support/fast-temporal.ts (or test this against the dev server).`);
    },
  });
}

export function createFakeTemporal(opts: { namespace?: string } = {}): FakeTemporal {
  const fake = {} as FakeTemporal;
  const workflows = new Map<string, FakeWorkflow>();
  const schedules = new Map<string, FakeSchedule>();
  const calls: FakeCall[] = [];

  // What @grpc/grpc-js reports for a server that is not there, wrapped as the client wraps it.
  const unreachable = () => {
    if (!fake.unreachable) return;
    const grpc = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14, details: 'No connection established' });
    throw new ServiceError('Failed to reach the Temporal server', { cause: grpc });
  };

  const running = (workflowId: string): FakeWorkflow => {
    const wf = workflows.get(workflowId);
    if (!wf || wf.status !== 'RUNNING') throw new WorkflowNotFoundError(`workflow not found for ID: ${workflowId}`, workflowId, undefined);
    return wf;
  };

  const create = (type: string, o: { workflowId: string; taskQueue: string; args?: unknown[]; typedSearchAttributes?: unknown }): FakeWorkflow => {
    const wf: FakeWorkflow = {
      workflowId: o.workflowId,
      type,
      taskQueue: o.taskQueue,
      args: o.args ?? [],
      status: 'RUNNING',
      signals: [],
      updates: [],
      ...(o.typedSearchAttributes !== undefined ? { typedSearchAttributes: o.typedSearchAttributes } : {}),
    };
    workflows.set(o.workflowId, wf);
    return wf;
  };

  const handle = (workflowId: string) =>
    strict('WorkflowHandle', {
      workflowId,
      async signal(def: Definition, ...args: unknown[]) {
        unreachable();
        calls.push({ op: 'signal', workflowId, signal: nameOf(def) });
        running(workflowId).signals.push({ name: nameOf(def), args });
      },
      async executeUpdate(def: Definition, o: { args?: unknown[] } = {}) {
        unreachable();
        calls.push({ op: 'update', workflowId, update: nameOf(def) });
        const workflow = running(workflowId);
        let result: unknown;
        try {
          result = fake.onUpdate({ name: nameOf(def), arg: o.args?.[0], workflow });
        } catch (err) {
          // A validator's Error reaches the caller as an ApplicationFailure of type "Error" with the same message.
          throw new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ message: (err as Error).message, type: 'Error' }));
        }
        workflow.updates.push({ name: nameOf(def), args: o.args ?? [] });
        return result;
      },
      async query(def: Definition, ...args: unknown[]) {
        unreachable();
        calls.push({ op: 'query', workflowId, query: nameOf(def) });
        const workflow = workflows.get(workflowId);
        if (!workflow) throw new WorkflowNotFoundError(`workflow not found for ID: ${workflowId}`, workflowId, undefined);
        return fake.onQuery({ name: nameOf(def), args, workflow });
      },
      async describe() {
        unreachable();
        calls.push({ op: 'describe', workflowId });
        const workflow = workflows.get(workflowId);
        if (!workflow) throw new WorkflowNotFoundError(`workflow not found for ID: ${workflowId}`, workflowId, undefined);
        return { workflowId, type: workflow.type, taskQueue: workflow.taskQueue, status: { name: workflow.status } };
      },
    });

  const workflow = strict('client.workflow', {
    async start(def: Definition, o: { workflowId: string; taskQueue: string; args?: unknown[]; workflowIdConflictPolicy?: string; typedSearchAttributes?: unknown }) {
      unreachable();
      const type = nameOf(def);
      calls.push({ op: 'start', workflowId: o.workflowId, type });
      const existing = workflows.get(o.workflowId);
      if (existing?.status === 'RUNNING') {
        if (o.workflowIdConflictPolicy !== 'USE_EXISTING') throw new WorkflowExecutionAlreadyStartedError('Workflow execution already started', o.workflowId, type);
      } else {
        create(type, o);
      }
      return handle(o.workflowId);
    },
    async signalWithStart(def: Definition, o: { workflowId: string; taskQueue: string; args?: unknown[]; signal: Definition; signalArgs?: unknown[]; typedSearchAttributes?: unknown }) {
      unreachable();
      const type = nameOf(def);
      calls.push({ op: 'signalWithStart', workflowId: o.workflowId, type, signal: nameOf(o.signal) });
      const existing = workflows.get(o.workflowId);
      const wf = existing?.status === 'RUNNING' ? existing : create(type, o);
      wf.signals.push({ name: nameOf(o.signal), args: o.signalArgs ?? [] });
      return handle(o.workflowId);
    },
    async execute(def: Definition, o: { workflowId: string; taskQueue: string; args?: unknown[] }) {
      unreachable();
      const type = nameOf(def);
      calls.push({ op: 'execute', workflowId: o.workflowId, type });
      const wf = create(type, o);
      try {
        return await fake.onExecute(wf);
      } finally {
        wf.status = 'COMPLETED';
      }
    },
    getHandle: (workflowId: string) => handle(workflowId),
  });

  const schedule = strict('client.schedule', {
    async create(o: { scheduleId: string } & Record<string, unknown>) {
      unreachable();
      calls.push({ op: 'schedule.create', scheduleId: o.scheduleId });
      if (schedules.has(o.scheduleId)) throw new ScheduleAlreadyRunning('Schedule already exists and is running', o.scheduleId);
      schedules.set(o.scheduleId, { scheduleId: o.scheduleId, options: o, triggers: [] });
    },
    getHandle: (scheduleId: string) =>
      strict('ScheduleHandle', {
        scheduleId,
        async trigger(overlap?: unknown) {
          unreachable();
          calls.push({ op: 'schedule.trigger', scheduleId });
          const s = schedules.get(scheduleId);
          if (!s) throw new ScheduleNotFoundError(`Schedule not found: ${scheduleId}`, scheduleId);
          s.triggers.push(overlap);
        },
      }),
  });

  const workflowService = strict('client.workflowService', {
    async getSystemInfo(_req: unknown) {
      unreachable();
      calls.push({ op: 'getSystemInfo' });
      return { serverVersion: 'fake', capabilities: {} };
    },
    async describeTaskQueue(req: { taskQueue?: { name?: string } }) {
      unreachable();
      calls.push({ op: 'describeTaskQueue', taskQueue: req.taskQueue?.name ?? '' });
      // Proto timestamps: seconds and nanos since the epoch.
      return { pollers: fake.pollers.map((at) => ({ identity: 'fake-worker', lastAccessTime: { seconds: Math.floor(at.getTime() / 1000), nanos: (at.getTime() % 1000) * 1e6 } })) };
    },
  });

  Object.assign(fake, {
    workflows,
    schedules,
    calls,
    pollers: [],
    unreachable: false,
    onUpdate: ({ name }: { name: string }) => {
      throw new Error(`The test gave the fake no answer to the "${name}" Update.`);
    },
    onQuery: ({ name }: { name: string }) => {
      throw new Error(`The test gave the fake no answer to the "${name}" query.`);
    },
    onExecute: (wf: FakeWorkflow) => {
      throw new Error(`The test gave the fake no result for ${wf.type}.`);
    },
    seed(w: Pick<FakeWorkflow, 'workflowId'> & Partial<FakeWorkflow>) {
      const wf: FakeWorkflow = { type: 'syncRecord', taskQueue: 'fast', args: [], status: 'RUNNING', signals: [], updates: [], ...w };
      workflows.set(wf.workflowId, wf);
      return wf;
    },
  });
  // The one place the fake stands in for the SDK's class: the code under test is typed against `Client`.
  fake.client = strict('client', {
    options: { namespace: opts.namespace ?? 'default' },
    workflow,
    schedule,
    workflowService,
    withDeadline: <R>(deadline: number | Date, fn: () => Promise<R>): Promise<R> => {
      if (new Date(deadline).getTime() <= Date.now()) return Promise.reject(new ServiceError('Deadline exceeded before the call'));
      return fn();
    },
    // The SDK runs every activity inside this when the environment has a client (cancelling an activity cancels its
    // calls); the fake's calls finish at once, so there is nothing in flight to cancel.
    withAbortSignal: <R>(_signal: AbortSignal, fn: () => Promise<R>): Promise<R> => fn(),
  }) as unknown as Client;
  return fake;
}
