/**
 * The one way this project runs child processes: `npm start` (Temporal dev server, worker, web app) and the benches
 * and drills (the same, plus PGlite in a process of its own). A supervisor starts named children, sends their output
 * to the terminal or to a log file, waits until a child is ready (a line it prints, a URL that answers, or any other
 * probe) and fails fast with the end of its output when it exits first, stops a child with SIGTERM and then SIGKILL
 * after a grace period, and stops every child it started when asked — and, as a last resort, kills them when this
 * process exits without having stopped them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildSpec {
  /** Names the child in errors ("the worker exited …"). */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * `inherit`: this process's stdout and stderr, untouched (a child that logs pretty lines at a terminal and JSON
   * into a pipe keeps seeing the terminal). `{ file }`: appended to that file, and read for `waitForLine` and for
   * the end of its output in errors.
   */
  output: 'inherit' | { file: string };
  /** Give it a stdin pipe, which closes when this process dies: the child can stop itself on its 'end'. */
  stdinPipe?: boolean;
  /** Between SIGTERM and SIGKILL when stopped (default 10 s). */
  graceMs?: number;
  /** It exited without `stop()` or `kill()` having been called (it crashed, or stopped by itself). */
  onUnexpectedExit?(exit: ChildExit): void;
}

export interface SupervisedChild {
  name: string;
  process: ChildProcess;
  /** Undefined only when it could not be started (its exit, "not started", says why). */
  pid: number | undefined;
  /** Resolves when the process has exited. */
  exited: Promise<ChildExit>;
  running(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs` (default the spec's); resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** Sends a signal now (SIGKILL for a crash drill); the exit that follows is expected. */
  kill(signal: NodeJS.Signals): void;
  /**
   * Resolves with a line of its output that matches — among its last 40 lines, or the first to come; rejects when it
   * exits first or the time is up.
   */
  waitForLine(re: RegExp, timeoutMs: number): Promise<string>;
  /** Resolves once `url` answers with a status `accept` takes (default 200). */
  waitForUrl(url: string, opts: { timeoutMs: number; intervalMs?: number; accept?(status: number): boolean }): Promise<void>;
  /** Resolves once `probe` resolves true; an error it throws counts as "not yet" and is named if the time runs out. */
  waitFor(what: string, probe: () => Promise<boolean>, opts: { timeoutMs: number; intervalMs?: number }): Promise<void>;
  /** The last lines it printed (piped output only), for error messages. */
  outputTail(lines?: number): string;
}

export interface Supervisor {
  start(spec: ChildSpec): SupervisedChild;
  /** Stops the running children one at a time, the last started first; later calls wait for the same run. */
  stopAll(): Promise<void>;
}

/** A child that exited, or ran out of time, before it was ready. */
export class ChildNotReadyError extends Error {
  constructor(
    message: string,
    readonly exit?: ChildExit,
  ) {
    super(message);
    this.name = 'ChildNotReadyError';
  }
}

/** Lines of a child's output kept for `waitForLine` and error messages. */
const TAIL_LINES = 40;
const describeExit = (e: ChildExit) => (e.signal ? e.signal : e.code === null ? 'not started' : `code ${e.code}`);

export function createSupervisor(): Supervisor {
  const children: SupervisedChild[] = [];
  let stoppingAll: Promise<void> | undefined;
  // Last resort: exit handlers cannot wait, so whatever is still running is killed outright.
  process.on('exit', () => {
    for (const child of children) if (child.running()) child.process.kill('SIGKILL');
  });

  const start = (spec: ChildSpec): SupervisedChild => {
    const piped = spec.output !== 'inherit';
    const proc = spawn(spec.command, spec.args, {
      env: spec.env ?? process.env,
      cwd: spec.cwd,
      stdio: [spec.stdinPipe ? 'pipe' : 'ignore', piped ? 'pipe' : 'inherit', piped ? 'pipe' : 'inherit'],
    });
    let expected = false;
    let lastExit: ChildExit | undefined;
    const recent: string[] = [];
    const watchers = new Set<(line: string) => void>();
    const logFile = spec.output === 'inherit' ? undefined : spec.output.file;
    const where = logFile ? ` (its output: ${logFile})` : '';

    let closed = false;
    if (logFile) {
      const log = createWriteStream(logFile, { flags: 'a' });
      const onLine = (line: string) => {
        recent.push(line);
        if (recent.length > TAIL_LINES) recent.shift();
        for (const w of watchers) w(line);
      };
      let partial = '';
      const onData = (d: Buffer) => {
        log.write(d);
        const lines = (partial + d.toString()).split('\n');
        partial = lines.pop() ?? '';
        lines.forEach(onLine);
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.once('close', () => {
        if (partial) onLine(partial);
        log.end();
      });
    }
    proc.once('close', () => (closed = true));

    let settleExit!: (exit: ChildExit) => void;
    const exited = new Promise<ChildExit>((resolve) => (settleExit = resolve));
    const settle = (exit: ChildExit) => {
      if (lastExit) return;
      lastExit = exit;
      settleExit(exit);
      if (!expected) spec.onUnexpectedExit?.(exit);
    };
    proc.once('exit', (code, signal) => settle({ code, signal }));
    proc.on('error', (err) => {
      // A command that could not be started (ENOENT, EACCES) reports 'error' and never 'exit'.
      if (proc.pid !== undefined) return;
      recent.push(err.message);
      settle({ code: null, signal: null });
    });

    const running = () => lastExit === undefined && proc.exitCode === null && proc.signalCode === null;
    const outputTail = (lines = 15) => recent.slice(-lines).join('\n');
    const notReady = (what: string, exit: ChildExit) =>
      new ChildNotReadyError(`${spec.name} exited (${describeExit(exit)}) before ${what}${where}${recent.length ? `:\n${outputTail()}` : ''}`, exit);

    let stopping: Promise<void> | undefined;
    const stop = (graceMs = spec.graceMs ?? 10_000): Promise<void> => {
      expected = true;
      if (!running()) return Promise.resolve();
      stopping ??= (async () => {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    };

    const waitFor: SupervisedChild['waitFor'] = async (what, probe, { timeoutMs, intervalMs = 300 }) => {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      for (;;) {
        if (lastExit) throw notReady(what, lastExit);
        try {
          if (await probe()) return;
        } catch (err) {
          last = (err as Error).message;
        }
        if (lastExit) throw notReady(what, lastExit);
        if (Date.now() > deadline) {
          throw new ChildNotReadyError(`${spec.name}: no sign that ${what} within ${Math.round(timeoutMs / 1000)} s${last ? ` (${last})` : ''}${where}${recent.length ? `:\n${outputTail()}` : ''}`);
        }
        await Promise.race([new Promise((r) => setTimeout(r, intervalMs)), exited]);
      }
    };

    const child: SupervisedChild = {
      name: spec.name,
      process: proc,
      pid: proc.pid,
      exited,
      running,
      stop,
      kill(signal) {
        expected = true;
        if (running()) proc.kill(signal);
      },
      waitForLine(re, timeoutMs) {
        if (!logFile) return Promise.reject(new Error(`${spec.name}: its output is not piped, so no line can be awaited`));
        const what = `printing a line matching ${re}`;
        const printed = recent.find((line) => re.test(line));
        if (printed !== undefined) return Promise.resolve(printed);
        if (closed) return Promise.reject(notReady(what, lastExit ?? { code: proc.exitCode, signal: proc.signalCode }));
        return new Promise<string>((resolve, reject) => {
          const done = () => {
            clearTimeout(timer);
            watchers.delete(watch);
          };
          const watch = (line: string) => {
            if (!re.test(line)) return;
            done();
            resolve(line);
          };
          const timer = setTimeout(() => {
            done();
            reject(new ChildNotReadyError(`${spec.name}: no line matching ${re} within ${Math.round(timeoutMs / 1000)} s${where}`));
          }, timeoutMs);
          watchers.add(watch);
          // Its last lines may still be in the pipe when it exits: fail only once its output has closed.
          proc.once('close', () => {
            if (!watchers.has(watch)) return;
            done();
            reject(notReady(what, lastExit ?? { code: proc.exitCode, signal: proc.signalCode }));
          });
        });
      },
      waitForUrl(url, { timeoutMs, intervalMs, accept = (status) => status === 200 }) {
        return waitFor(
          `${url} answered`,
          async () => {
            const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
            if (accept(res.status)) {
              await res.body?.cancel();
              return true;
            }
            throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
          },
          { timeoutMs, ...(intervalMs ? { intervalMs } : {}) },
        );
      },
      waitFor,
      outputTail,
    };
    children.push(child);
    void exited.then(() => {
      const i = children.indexOf(child);
      if (i >= 0) children.splice(i, 1);
    });
    return child;
  };

  return {
    start,
    stopAll() {
      stoppingAll ??= (async () => {
        for (const child of [...children].reverse()) await child.stop();
      })().finally(() => (stoppingAll = undefined));
      return stoppingAll;
    },
  };
}
