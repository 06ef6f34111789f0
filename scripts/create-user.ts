/**
 * `npm run user:create -- --email a@b.example --name "Amina W." --role admin|finance [--password …] [--tenant id]`
 *
 * Creates a console user. Without --password a random one is generated and printed once. Uses DATABASE_URL; without
 * it, the embedded development database in DATA_DIR is opened directly, which needs `npm start` to be stopped
 * (the embedded database serves one process at a time).
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createDb } from '../db/client.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../db/embedded.ts';
import { migrateDb } from '../db/migrate.ts';
import { getTenant } from '../db/queries/tenants.ts';
import { createUser, USER_ROLES } from '../db/queries/users.ts';
import { loadConfig } from '../runtime/config.ts';
import { PROJECT_ROOT } from './temporal-cli.ts';

const usage = 'Usage: npm run user:create -- --email <email> --name "<name>" --role admin|finance [--password <password>] [--tenant <tenantId>]';

const args = z.object({
  email: z.email('--email must be an e-mail address'),
  name: z.string().trim().min(1, '--name is required').max(200),
  role: z.enum(USER_ROLES, { error: '--role must be admin or finance' }),
  password: z.string().min(12, '--password must be at least 12 characters').max(200).optional(),
  tenant: z.string().optional(),
});

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      password: { type: 'string' },
      tenant: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const parsed = args.safeParse(values);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) console.error(issue.message);
    console.error(usage);
    return 2;
  }
  const input = parsed.data;
  const config = loadConfig();
  let embedded: EmbeddedPostgres | undefined;
  let url = config.DATABASE_URL;
  if (!url) {
    console.log('DATABASE_URL is not set: opening the embedded development database (stop `npm start` first).');
    embedded = await startEmbeddedPostgres({ dataDir: join(resolve(PROJECT_ROOT, config.DATA_DIR), 'pglite') });
    url = embedded.url;
  }
  const dbh = createDb({ url, maxConnections: 1 });
  try {
    await migrateDb(dbh.db);
    if (input.tenant && !(await getTenant(dbh.db, input.tenant))) {
      console.error(`Tenant "${input.tenant}" does not exist.`);
      return 2;
    }
    const password = input.password ?? randomBytes(12).toString('base64url');
    const created = await createUser(dbh.db, { email: input.email, name: input.name, role: input.role, password, tenantId: input.tenant ?? null });
    if (created === 'exists') {
      console.error(`A user with the email ${input.email} already exists.`);
      return 1;
    }
    console.log(`Created ${created.role} ${created.email} (${created.name})${created.tenantId ? ` for tenant ${created.tenantId}` : ' for every tenant'}.`);
    if (!input.password) console.log(`Password: ${password}`);
    return 0;
  } finally {
    await dbh.close();
    await embedded?.close();
  }
}

process.exitCode = await main();
