import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../db/queries/api-keys.ts';
import { createTenant } from '../../db/queries/tenants.ts';
import { apiKeys, auditEvents } from '../../db/schema.ts';
import { createApp } from '../../web/app.ts';
import type { AppDeps } from '../../web/deps.ts';
import { createTestDb, type TestDb } from '../support/db.ts';

// `npm run apikey` as people run it: a child process against its own database, keys checked against the web app.

const root = fileURLToPath(new URL('../..', import.meta.url));
const KEY_LINE = /^qsh_[A-Za-z0-9_-]{32}$/;

let db: TestDb;
let app: ReturnType<typeof createApp>;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function env(): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  return { ...rest, DATABASE_URL: db.url, NODE_ENV: 'test' };
}

/** Runs a command line and answers its exit code and output, failing or not. */
function sh(file: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: root, env: env(), timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const apikey = (...args: string[]) => sh(process.execPath, ['--import', 'tsx', 'scripts/apikey.ts', ...args]);
const keyRows = () => db.db.select().from(apiKeys);
const call = (key: string, path = '/api/v1/tenants') => app.request(path, { headers: { authorization: `Bearer ${key}` } });

beforeAll(async () => {
  db = await createTestDb();
  await createTenant(db.db, { id: 'acme', name: 'Acme Ltd', homeCurrency: 'KES' });
  // These routes need only the database.
  app = createApp({ db: db.db, logger: pino({ level: 'silent' }) } as unknown as AppDeps);
});
afterAll(async () => {
  await db?.close();
});

describe('npm run apikey', () => {
  it('creates a key and prints it once, alone on the last line, and the key works', async () => {
    const run = await apikey('create', '--name', 'CI checks', '--role', 'admin');
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    const key = lines.at(-1)!;
    expect(key).toMatch(KEY_LINE);
    expect(lines.slice(0, -1).join('\n')).toContain(`(${key.slice(0, 12)}), admin for every tenant`);
    expect(lines.slice(0, -1).join('\n')).not.toContain(key);
    expect(run.stderr).not.toContain(key);
    expect((await call(key)).status).toBe(200);
    const [row] = await db.db.select().from(apiKeys).where(eq(apiKeys.keyHash, hashApiKey(key)));
    expect(row).toMatchObject({ name: 'CI checks', role: 'admin', tenantId: null, prefix: key.slice(0, 12), createdBy: 'cli', dev: false, revokedAt: null });
    const audit = await db.db.select().from(auditEvents).where(eq(auditEvents.action, 'apikey.create'));
    expect(audit.map((a) => [a.actor, a.target])).toContainEqual(['cli', key.slice(0, 12)]);
  });

  it('works as documented through npm, with `| tail -1` taking the key', async () => {
    const run = await sh('sh', ['-c', 'npm run apikey -- create --name "ERP of acme" --role awra --tenant acme | tail -1']);
    expect(run.code, run.stderr).toBe(0);
    const key = run.stdout.trim();
    expect(key).toMatch(KEY_LINE);
    expect((await call(key)).status).toBe(403);
    const [row] = await db.db.select().from(apiKeys).where(eq(apiKeys.keyHash, hashApiKey(key)));
    expect(row).toMatchObject({ name: 'ERP of acme', role: 'awra', tenantId: 'acme' });
  });

  it('lists keys with their prefix and never a key or a hash', async () => {
    const rows = await keyRows();
    const run = await apikey('list');
    expect(run.code, run.stderr).toBe(0);
    for (const row of rows) {
      expect(run.stdout).toContain(row.prefix!);
      expect(run.stdout).toContain(row.name);
      expect(run.stdout).not.toContain(row.keyHash);
    }
    expect(run.stdout).not.toMatch(/qsh_[A-Za-z0-9_-]{32}/);
  });

  it('revokes by prefix, says which key it was, and is idempotent', async () => {
    const made = await apikey('create', '--name', 'to revoke', '--role', 'finance', '--tenant', 'acme');
    const key = made.stdout.trimEnd().split('\n').at(-1)!;
    expect((await call(key, '/api/v1/queue')).status).toBe(200);
    const prefix = key.slice(0, 12);

    const revoked = await apikey('revoke', prefix);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`Revoked key #`);
    expect(revoked.stdout).toContain(`"to revoke" (${prefix}), finance for tenant acme`);
    expect((await call(key, '/api/v1/queue')).status).toBe(401);

    const again = await apikey('revoke', prefix);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('was already revoked');
    const [row] = await db.db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix));
    const byId = await apikey('revoke', String(row!.id));
    expect(byId.code).toBe(0);
    expect(byId.stdout).toContain('was already revoked');
  });

  it('refuses bad input with exit code 1, a clear message and nothing stored', async () => {
    const before = (await keyRows()).length;
    // One case per way the command can be wrong (each is a process of its own, so not every variant of each).
    const cases: Array<[string[], string]> = [
      [['create', '--name', 'x', '--role', 'root'], '--role must be one of awra, finance, admin (not "root")'],
      [['create', '--name', 'x'.repeat(101), '--role', 'awra'], 'at most 100 characters'],
      [['create', '--role', 'awra', '--tenant', 'Not A Tenant'], '--name is required'],
      [['create', '--name', 'x', '--role', 'awra', '--tenant', 'no-such-tenant'], 'No tenant "no-such-tenant".'],
      [['create', '--name', 'x', '--role', 'awra', '--admin'], "Unknown option '--admin'"],
      [['list', '--role', 'admin'], '--role does not apply to "list"'],
      [['revoke', 'qsh_short'], 'is neither a key id nor a key prefix'],
      [['revoke', '999999'], 'No API key with id 999999'],
      [['rotate'], 'Unknown command "rotate"'],
    ];
    // Each is a process of its own; a few at a time keep the test short.
    const runs: Run[] = [];
    for (let i = 0; i < cases.length; i += 3) runs.push(...(await Promise.all(cases.slice(i, i + 3).map(([args]) => apikey(...args)))));
    for (const [i, [args, message]] of cases.entries()) {
      const run = runs[i]!;
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr, args.join(' ')).toContain(message);
      expect(run.stdout, args.join(' ')).not.toMatch(/qsh_[A-Za-z0-9_-]{32}/);
    }
    expect(runs[2]!.stderr).toContain('--tenant must be a tenant id');
    expect((await keyRows()).length).toBe(before);
  }, 180_000);
});
