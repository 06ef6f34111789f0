import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { EmbeddedDatabaseBusy, openEmbeddedDatabase } from '../../db/embedded.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'qsh-lock-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Another process that opens the folder and holds it: resolves with how it got the database. */
function holder(dataDir: string, mode = 'shared'): Promise<{ child: ChildProcess; via: string; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/hold-embedded-db.ts', dataDir, mode], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\w+) (\S+)/.exec(out);
      if (m) resolve({ child, via: m[1]!, url: m[2]! });
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`holder exited (${code}): ${out}`)));
  });
}

const marks = async (url: string) => {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return (await sql`select who from marks order by who`).map((r) => String(r.who));
  } finally {
    await sql.end();
  }
};

describe('one process at a time on an embedded database folder', () => {
  it('connects a second process to the first one\'s server instead of opening the folder again, and takes over when the first dies', async () => {
    const dataDir = join(dir, 'pglite');
    const first = await holder(dataDir, 'exclusive');
    expect(first.via).toBe('opened');
    expect(JSON.parse(readFileSync(`${dataDir}.lock`, 'utf8'))).toMatchObject({ pid: first.child.pid, url: first.url });

    // A command run beside it (user:create while npm start runs) writes through the running server.
    const second = await holder(dataDir);
    expect(second).toMatchObject({ via: 'running', url: first.url });
    expect(await marks(first.url)).toEqual([`pid-${first.child.pid}`, `pid-${second.child.pid}`].sort());

    // So does this process; and an exclusive opener (a second npm start) is refused with a reason.
    const here = await openEmbeddedDatabase({ dataDir });
    expect(here).toMatchObject({ via: 'running', servedBy: first.child.pid });
    await expect(openEmbeddedDatabase({ dataDir, exclusive: true, waitMs: 300 })).rejects.toThrow(EmbeddedDatabaseBusy);

    // The holder is killed outright: its lock is stale, and the next opener opens the folder with every row in it.
    second.child.kill('SIGKILL');
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const after = await openEmbeddedDatabase({ dataDir });
    try {
      expect(after.via).toBe('opened');
      expect(await marks(after.url)).toHaveLength(2);
      // Within one process a second open reuses the server it already runs.
      expect(await openEmbeddedDatabase({ dataDir })).toMatchObject({ via: 'running', url: after.url });
    } finally {
      await after.close();
    }
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });

  it('treats a lock naming a live process that serves nothing there as stale (a reused pid)', async () => {
    const dataDir = join(dir, 'reused');
    // pid 1 is alive but serves no database on this port.
    writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: 1, url: 'postgres://postgres:postgres@127.0.0.1:1/postgres', since: new Date().toISOString() }));
    const local = await openEmbeddedDatabase({ dataDir, waitMs: 2000 });
    try {
      expect(local.via).toBe('opened');
    } finally {
      await local.close();
    }
  });
});
