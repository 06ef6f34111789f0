import { randomBytes } from 'node:crypto';

export interface BulkJobItem {
  workflowId: string;
  number: string;
}

export interface BulkJob {
  id: string;
  /** Only the person who started a job sees its progress. */
  ownerId: number;
  title: string;
  total: number;
  done: number;
  succeeded: number;
  failed: Array<BulkJobItem & { message: string }>;
  startedAt: Date;
  finishedAt: Date | null;
}

export type BulkOutcome = { ok: true } | { ok: false; message: string };

const KEEP_FINISHED_MS = 60 * 60_000;

/**
 * Bulk actions ("retry all in this group") run in the background of this web process, a few records at a time, and
 * report progress to a fragment that polls. Progress lives in this process's memory only, keyed by a random job id:
 * acceptable because every single action is itself durable (a Temporal Update, audited), so a restart loses the
 * progress bar, never the work already done; the person can simply look at the queue again.
 */
export class BulkJobs {
  private readonly jobs = new Map<string, BulkJob>();

  constructor(private readonly onError: (err: unknown, job: BulkJob) => void = () => {}) {}

  start(opts: { ownerId: number; title: string; items: BulkJobItem[]; concurrency?: number; run: (item: BulkJobItem) => Promise<BulkOutcome> }): BulkJob {
    this.prune();
    const job: BulkJob = {
      id: randomBytes(12).toString('base64url'),
      ownerId: opts.ownerId,
      title: opts.title,
      total: opts.items.length,
      done: 0,
      succeeded: 0,
      failed: [],
      startedAt: new Date(),
      finishedAt: opts.items.length === 0 ? new Date() : null,
    };
    this.jobs.set(job.id, job);
    const queue = [...opts.items];
    const worker = async () => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        try {
          const out = await opts.run(item);
          if (out.ok) job.succeeded += 1;
          else job.failed.push({ ...item, message: out.message });
        } catch (err) {
          this.onError(err, job);
          job.failed.push({ ...item, message: 'Something went wrong on our side; try this record again from its page.' });
        } finally {
          job.done += 1;
        }
      }
    };
    if (opts.items.length > 0) {
      void Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, opts.items.length) }, worker)).then(() => {
        job.finishedAt = new Date();
      });
    }
    return job;
  }

  get(id: string, ownerId: number): BulkJob | undefined {
    const job = this.jobs.get(id);
    return job && job.ownerId === ownerId ? job : undefined;
  }

  private prune(now = Date.now()): void {
    for (const [id, job] of this.jobs) if (job.finishedAt && now - job.finishedAt.getTime() > KEEP_FINISHED_MS) this.jobs.delete(id);
  }
}
