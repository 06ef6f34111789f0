/**
 * `npm run apikey -- create --name <name> --role awra|finance|admin [--tenant <tenantId>]`, `… list`, `… revoke <id|prefix>`
 *
 * Manages JSON API keys. `create` prints the new key once, alone on the last line (so `| tail -1` takes it); only its
 * hash and first characters are stored. Uses DATABASE_URL; without it, the embedded development database in DATA_DIR —
 * through the running `npm start` when there is one. Bad input exits 1 and writes nothing.
 */
import { parseArgs } from 'node:util';
import { migrateDb } from '../db/migrate.ts';
import { createApiKey, KEY_NAME, KEY_PREFIX_LENGTH, listApiKeys, revokeApiKey, type ApiKeyInfo, type ApiKeyRef } from '../db/queries/api-keys.ts';
import { isRole, ROLES } from '../domain/permissions.ts';
import { textProblem } from '../domain/text.ts';
import { loadConfig } from '../runtime/config.ts';
import { openCommandDb } from './dev-data.ts';

const usage = [
  'Usage:',
  `  npm run apikey -- create --name <name> --role ${ROLES.join('|')} [--tenant <tenantId>]`,
  '  npm run apikey -- list',
  '  npm run apikey -- revoke <id|prefix>',
].join('\n');

const ACTOR = 'cli';

type Command = { kind: 'create'; name: string; role: (typeof ROLES)[number]; tenantId: string | null } | { kind: 'list' } | { kind: 'revoke'; ref: ApiKeyRef };

/** The command line as a command, or the sentences that say what is wrong with it. */
function parseCommand(argv: string[]): Command | { help: true } | { problems: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { name: { type: 'string' }, role: { type: 'string' }, tenant: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    return { problems: [(err as Error).message] };
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  const [command, ...rest] = positionals;
  const extra = (allowed: string[]) =>
    [
      ...Object.keys(values)
        .filter((k) => !allowed.includes(k))
        .map((k) => `--${k} does not apply to "${command}".`),
      ...(rest.length > (command === 'revoke' ? 1 : 0) ? [`Unexpected argument "${rest.at(-1)}".`] : []),
    ];
  switch (command) {
    case 'create': {
      const problems = extra(['name', 'role', 'tenant']);
      const nameProblem = textProblem(values.name, { ...KEY_NAME, required: '--name is required.' });
      if (nameProblem) problems.push(nameProblem.startsWith('--') ? nameProblem : `--name: ${nameProblem}`);
      if (!isRole(values.role)) problems.push(`--role must be one of ${ROLES.join(', ')}${values.role === undefined ? '' : ` (not "${values.role}")`}.`);
      if (values.tenant !== undefined && !/^[a-z0-9][a-z0-9_-]{0,62}$/.test(values.tenant)) {
        problems.push('--tenant must be a tenant id: 1-63 lower-case letters, digits, "-" or "_".');
      }
      if (problems.length > 0) return { problems };
      return { kind: 'create', name: values.name!.trim(), role: values.role as (typeof ROLES)[number], tenantId: values.tenant ?? null };
    }
    case 'list': {
      const problems = extra([]);
      return problems.length > 0 ? { problems } : { kind: 'list' };
    }
    case 'revoke': {
      const problems = extra([]);
      const target = rest[0];
      if (target === undefined) problems.push('Say which key to revoke: its id or its prefix, as "list" shows them.');
      else if (/^[1-9][0-9]{0,14}$/.test(target)) return problems.length > 0 ? { problems } : { kind: 'revoke', ref: { id: Number(target) } };
      else if (target.startsWith('qsh_') && target.length === KEY_PREFIX_LENGTH) return problems.length > 0 ? { problems } : { kind: 'revoke', ref: { prefix: target } };
      else problems.push(`"${target}" is neither a key id nor a key prefix (qsh_ and 8 more characters, as "list" shows it).`);
      return { problems };
    }
    case undefined:
      return { problems: ['Say what to do: create, list or revoke.'] };
    default:
      return { problems: [`Unknown command "${command}": use create, list or revoke.`] };
  }
}

const scopeOf = (k: ApiKeyInfo) => (k.tenantId ? `tenant ${k.tenantId}` : 'every tenant');
const describe = (k: ApiKeyInfo) => `key #${k.id} "${k.name}" (${k.prefix ?? 'no prefix'}), ${k.role} for ${scopeOf(k)}`;
const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '-');

function table(keys: ApiKeyInfo[]): string {
  const rows = [
    ['ID', 'PREFIX', 'ROLE', 'TENANT', 'NAME', 'CREATED BY', 'CREATED', 'LAST USED', 'STATUS'],
    ...keys.map((k) => [
      String(k.id),
      k.prefix ?? '-',
      k.role,
      k.tenantId ?? '(all)',
      k.name,
      k.createdBy ?? '-',
      when(k.createdAt),
      when(k.lastUsedAt),
      k.revokedAt ? `revoked ${when(k.revokedAt)}` : k.dev ? 'active (development)' : 'active',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

async function main(): Promise<number> {
  const command = parseCommand(process.argv.slice(2));
  if ('help' in command) {
    console.log(usage);
    return 0;
  }
  if ('problems' in command) {
    for (const p of command.problems) console.error(p);
    console.error(usage);
    return 1;
  }
  const dbh = await openCommandDb(loadConfig(), (line) => console.error(line));
  try {
    await migrateDb(dbh.db);
    switch (command.kind) {
      case 'create': {
        const created = await createApiKey(dbh.db, { name: command.name, role: command.role, tenantId: command.tenantId, createdBy: ACTOR });
        if (!created.ok) {
          for (const message of Object.values(created.fields)) console.error(message);
          return 1;
        }
        console.log(`Created ${describe(created.apiKey)}.`);
        console.log('Copy the key on the next line now: it is not shown again (only its prefix is kept).');
        console.log(created.key);
        return 0;
      }
      case 'list': {
        const keys = await listApiKeys(dbh.db);
        console.log(keys.length > 0 ? table(keys) : 'No API keys yet.');
        return 0;
      }
      case 'revoke': {
        const out = await revokeApiKey(dbh.db, command.ref, { by: ACTOR });
        switch (out.status) {
          case 'revoked':
            console.log(`Revoked ${describe(out.apiKey)}; it is refused from now on.`);
            return 0;
          case 'already_revoked':
            console.log(`K${describe(out.apiKey).slice(1)} was already revoked (${when(out.apiKey.revokedAt)} UTC); nothing changed.`);
            return 0;
          case 'ambiguous':
            console.error(`${out.matches.length} live keys share that prefix (ids ${out.matches.map((k) => k.id).join(', ')}); revoke by id.`);
            return 1;
          case 'not_found':
            console.error(`No API key ${'id' in command.ref ? `with id ${command.ref.id}` : `with prefix ${command.ref.prefix}`}.`);
            return 1;
        }
      }
    }
  } finally {
    await dbh.close();
  }
}

process.exitCode = await main();
