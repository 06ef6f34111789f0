import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const TOOLS_BIN = join(PROJECT_ROOT, '.tools', 'bin');
const CLI_VERSION = '1.5.1';
/** Later tags carry a `replace` directive in go.mod and cannot be `go install`ed; these can, newest first. */
const GO_INSTALL_TAGS = ['v1.5.1', 'v1.5.0', 'v1.4.1'];

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function works(path: string): boolean {
  return spawnSync(path, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Finds `temporal`: TEMPORAL_CLI_PATH, then the project's tools folder, then PATH. */
export function findTemporalCli(): string | undefined {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH points to ${fromEnv}, which does not exist.`);
    return fromEnv;
  }
  const local = join(TOOLS_BIN, 'temporal');
  if (existsSync(local) && works(local)) return local;
  return onPath('temporal');
}

/** Finds the Temporal CLI or builds it from the Go module proxy into .tools/bin (cached). */
export function ensureTemporalCli(log: (line: string) => void = console.log): string {
  const found = findTemporalCli();
  if (found) return found;
  const go = onPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new Error(
      [
        'The Temporal CLI was not found and Go is not installed to build it.',
        'Install it one of these ways, then run this again:',
        '  - macOS: brew install temporal',
        '  - Linux/macOS: curl -sSf https://temporal.download/cli.sh | sh',
        '  - a release from https://github.com/temporalio/cli/releases, then set TEMPORAL_CLI_PATH',
        '  - or install Go (https://go.dev/dl/) and this script builds it.',
      ].join('\n'),
    );
  }
  mkdirSync(TOOLS_BIN, { recursive: true });
  const failures: string[] = [];
  for (const tag of GO_INSTALL_TAGS) {
    log(`Building the Temporal CLI ${tag} with Go (first run only; a few minutes)…`);
    const version = tag.slice(1);
    const result = spawnSync(
      go,
      ['install', '-ldflags', `-s -w -X github.com/temporalio/cli/temporalcli.Version=${version}`, `github.com/temporalio/cli/cmd/temporal@${tag}`],
      { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, GOBIN: TOOLS_BIN, CGO_ENABLED: '0' }, cwd: TOOLS_BIN },
    );
    const built = join(TOOLS_BIN, 'temporal');
    if (result.status === 0 && existsSync(built) && works(built)) {
      log(`Temporal CLI ready: ${execFileSync(built, ['--version']).toString().trim()}`);
      return built;
    }
    failures.push(`${tag}: exit ${result.status}`);
  }
  throw new Error(`Could not build the Temporal CLI (${failures.join('; ')}). Expected version ${CLI_VERSION}.`);
}
