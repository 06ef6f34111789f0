/**
 * Process housekeeping for benchmark and drill scripts: a cleanup registry that runs on normal exit, on an error and
 * on SIGINT/SIGTERM/SIGHUP; child processes that are always stopped; free ports that avoid the ones `npm start` uses.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

type Cleanup = { name: string; fn: () => Promise<void> | void };
const cleanups: Cleanup[] = [];
const children = new Set<ChildProcess>();
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
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  })();
  return cleaning;
}

// Last resort if the script dies without running the cleanup (an exception escaping everything).
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

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

export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Sends a signal now (e.g. SIGKILL for a crash drill). */
  kill(signal: NodeJS.Signals): void;
  /** Resolves when a line of its output matches (or rejects when it exits first / times out). */
  waitForOutput(re: RegExp, timeoutMs: number): Promise<string>;
}

/**
 * Spawns a child that is stopped by the cleanup; its stdout and stderr go to `logFile` (and are scanned for
 * `waitForOutput`).
 */
export function spawnChild(
  name: string,
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; logFile: string; cwd?: string; /** Give it a stdin pipe, which closes if this process dies. */ stdinPipe?: boolean },
): Child {
  const proc = spawn(command, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: [opts.stdinPipe ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  children.add(proc);
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  const watchers = new Set<(line: string) => void>();
  let tail = '';
  const onData = (d: Buffer) => {
    log.write(d);
    tail += d.toString();
    const lines = tail.split('\n');
    tail = lines.pop() ?? '';
    for (const line of lines) for (const w of watchers) w(line);
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => {
      children.delete(proc);
      log.end();
      resolve({ code, signal });
    });
  });
  const stop = async (graceMs = 10_000) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const unregister = onCleanup(`stop ${name}`, () => stop());
  void exited.then(() => unregister());
  return {
    name,
    process: proc,
    pid: proc.pid!,
    exited,
    stop,
    kill: (signal) => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
    waitForOutput: (re, timeoutMs) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          watchers.delete(watch);
          reject(new Error(`${name} printed nothing matching ${re} within ${timeoutMs} ms (see ${opts.logFile})`));
        }, timeoutMs);
        const watch = (line: string) => {
          if (re.test(line)) {
            clearTimeout(timer);
            watchers.delete(watch);
            resolve(line);
          }
        };
        watchers.add(watch);
        void exited.then(({ code, signal }) => {
          if (!watchers.has(watch)) return;
          clearTimeout(timer);
          watchers.delete(watch);
          reject(new Error(`${name} exited (${signal ?? `code ${code}`}) before printing ${re} (see ${opts.logFile})`));
        });
      }),
  };
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
