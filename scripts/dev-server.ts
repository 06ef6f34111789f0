import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_CLI_ARGS } from '../workflows/search-attributes.ts';
import { ChildNotReadyError, type Supervisor, type SupervisedChild } from './supervisor.ts';

export interface DevServer {
  address: string;
  uiUrl: string;
  child: SupervisedChild;
  stop(): Promise<void>;
}

/** Starts `temporal server start-dev` with the project's search attributes and waits until it answers. */
export async function startTemporalDevServer(
  supervisor: Supervisor,
  opts: {
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
  },
): Promise<DevServer> {
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
  const child = supervisor.start({ name: 'Temporal dev server', command: opts.cli, args, output: { file: opts.logFile } });
  const address = `127.0.0.1:${opts.port}`;
  try {
    await child.waitFor(
      `it answered on ${address}`,
      async () => {
        const conn = await Connection.connect({ address, connectTimeout: 1000 });
        try {
          await conn.workflowService.getSystemInfo({});
        } finally {
          await conn.close();
        }
        return true;
      },
      { timeoutMs: 60_000 },
    );
  } catch (err) {
    await child.stop();
    const exitedEarly = err instanceof ChildNotReadyError && err.exit;
    throw new Error(`${(err as Error).message}${exitedEarly ? `\nIs port ${opts.port} or ${opts.uiPort} in use?` : ''}`, { cause: err });
  }
  return { address, uiUrl: `http://localhost:${opts.uiPort}`, child, stop: () => child.stop() };
}
