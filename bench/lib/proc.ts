/**
 * Process housekeeping for benchmark and drill scripts: a cleanup registry that runs on normal exit, on an error and
 * on SIGINT/SIGTERM/SIGHUP; child processes that are always stopped; free ports that avoid the ones `npm start` uses.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSupervisor, type ChildSpec, type SupervisedChild } from '../../scripts/supervisor.ts';

type Cleanup = { name: string; fn: () => Promise<void> | void };
const cleanups: Cleanup[] = [];
/** Every child a bench starts (through `spawnChild`, or the Temporal dev server); it kills what is left at exit. */
export const supervisor = createSupervisor();
let cleaning: Promise<void> | undefined;

/** Registers a cleanup step; steps run in reverse order of registration. Returns a function that unregisters it. */
export function onCleanup(name: string, fn: () => Promise<void> | void): () => void {
  const entry = { name, fn };
  cleanups.push(entry);
  return () => {
    const i = cleanups.indexOf(entry);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

async function withTimeout(p: Promise<void> | void, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.resolve(p),
    new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        console.error(`cleanup: ${what} did not finish within ${ms} ms; moving on`);
        resolve();
      }, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Runs every cleanup step once (later calls wait for the same run). */
export function runCleanup(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const step = cleanups.pop()!;
      try {
        await withTimeout(step.fn(), 30_000, step.name);
      } catch (err) {
        console.error(`cleanup: ${step.name} failed: ${(err as Error).message}`);
      }
    }
    // Children whose stop was not a cleanup step (or whose step timed out).
    await supervisor.stopAll();
  })();
  return cleaning;
}

/**
 * Runs a script's main function: cleans up on return, error, or a signal, then exits. The exit code is 0 on success,
 * 1 on error, 130 on Ctrl-C (or what the script set in `process.exitCode`).
 */
export function runScript(main: () => Promise<void>): void {
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${sig}: stopping everything this script started…`);
    void runCleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  main()
    .then(async () => {
      await runCleanup();
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    })
    .catch(async (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      await runCleanup();
      process.exit(1);
    });
}

/** Ports this project's `npm start` (and its test runs) may hold; never used by a bench. */
const RESERVED = new Set([3000, 4010, 7233, 8233]);

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released; reserved ports are skipped). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    if (!RESERVED.has(port)) return port;
  }
}

/**
 * Starts a child with the project's supervisor (scripts/supervisor.ts), its output going to `logFile`; stopping it is
 * a cleanup step, so it stops in turn with what was set up around it.
 */
export function spawnChild(name: string, command: string, args: string[], opts: Omit<ChildSpec, 'name' | 'command' | 'args' | 'output'> & { logFile: string }): SupervisedChild {
  const { logFile, ...rest } = opts;
  const child = supervisor.start({ ...rest, name, command, args, output: { file: logFile } });
  const unregister = onCleanup(`stop ${name}`, () => child.stop());
  void child.exited.then(() => unregister());
  return child;
}

/** Resident memory of a process from /proc: current and peak (VmHWM), in MiB. */
export function rssOf(pid: number): { rssMiB: number; peakMiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, i.e. 11 and 12 after "(comm) state".
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
