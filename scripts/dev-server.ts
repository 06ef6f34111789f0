import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_CLI_ARGS } from '../workflows/search-attributes.ts';

export interface DevServer {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `temporal server start-dev` with the project's search attributes and waits until it answers. */
export async function startTemporalDevServer(opts: {
  cli: string;
  dbFile: string;
  port: number;
  uiPort: number;
  namespace: string;
  /**
   * The server's own output goes to this file: under load its SQLite store logs retried operations as errors,
   * which would bury what a person needs to read. Its tail is printed if the server fails to start.
   */
  logFile: string;
  /**
   * The codec endpoint the Web UI decodes payloads with (the web app's /codec). The CLI cannot tell the UI to send
   * cookies with it, so each engineer turns on "Include cross-origin credentials" in the UI once (README).
   */
  uiCodecEndpoint?: string;
}): Promise<DevServer> {
  mkdirSync(dirname(opts.dbFile), { recursive: true });
  const args = [
    'server', 'start-dev',
    '--db-filename', opts.dbFile,
    '--ip', '127.0.0.1',
    '--port', String(opts.port),
    '--ui-port', String(opts.uiPort),
    ...(opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : []),
    '--log-level', 'error',
    '--dynamic-config-value', 'frontend.enableExecuteMultiOperation=true',
    ...(opts.namespace !== 'default' ? ['--namespace', opts.namespace] : []),
    ...SEARCH_ATTRIBUTE_CLI_ARGS.flatMap((a) => ['--search-attribute', a]),
  ];
  const child = spawn(opts.cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = createWriteStream(opts.logFile, { flags: 'a' });
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  const tail = () => {
    try {
      return `\n${readFileSync(opts.logFile, 'utf8').split('\n').slice(-15).join('\n')}`;
    } catch {
      return '';
    }
  };
  const address = `127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 60_000;
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  for (;;) {
    if (exited !== null) throw new Error(`The Temporal dev server exited (code ${exited}); is port ${opts.port} or ${opts.uiPort} in use? Its log (${opts.logFile}):${tail()}`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      await conn.workflowService.getSystemInfo({});
      await conn.close();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGTERM');
        throw new Error(`The Temporal dev server did not answer on ${address} within 60 s: ${(err as Error).message}. Its log (${opts.logFile}):${tail()}`);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  return {
    address,
    uiUrl: `http://localhost:${opts.uiPort}`,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}
