/**
 * `npm run user:create -- --email a@b.example --name "Amina W." --role admin|finance [--password …] [--tenant id]`
 *
 * Creates a console user. Without --password a random one is generated and printed once. Uses DATABASE_URL; without
 * it, the embedded development database in DATA_DIR — through the running `npm start` when there is one, so the
 * new user can sign in at once.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { migrateDb } from '../db/migrate.ts';
import { getTenant } from '../db/queries/tenants.ts';
import { createUser, USER_ROLES } from '../db/queries/users.ts';
import { loadConfig } from '../runtime/config.ts';
import { signInEmail } from '../domain/people.ts';
import { tenantIdSchema } from '../domain/records.ts';
import { openCommandDb } from './dev-data.ts';

const usage = 'Usage: npm run user:create -- --email <email> --name "<name>" --role admin|finance [--password <password>] [--tenant <tenantId>]';

const args = z.object({
  email: signInEmail,
  name: z
    .string()
    .trim()
    .min(1, '--name is required')
    .max(200, '--name has at most 200 characters')
    // eslint-disable-next-line no-control-regex
    .refine((v) => !/[\u0000-\u001f\u007f]|\p{Cs}/u.test(v), '--name must not contain control characters'),
  role: z.enum(USER_ROLES, { error: '--role must be admin or finance' }),
  password: z.string().min(12, '--password must be at least 12 characters').max(200).optional(),
  tenant: tenantIdSchema.optional(),
});

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      password: { type: 'string' },
      tenant: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }));
  } catch (err) {
    console.error((err as Error).message);
    console.error(usage);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const parsed = args.safeParse(values);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) console.error(issue.message.startsWith('--') ? issue.message : `--${String(issue.path[0])}: ${issue.message}`);
    console.error(usage);
    return 2;
  }
  const input = parsed.data;
  const dbh = await openCommandDb(loadConfig(), (line) => console.error(line));
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
  }
}

process.exitCode = await main();
