import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TASK_QUEUE: z.string().default('qbo-sync'),
  TEMPORAL_UI_URL: z.string().url().default('http://localhost:8233'),
  TEMPORAL_CLI_PATH: z.string().optional(),
  DEV_API_KEY: z.string().min(20, 'must be at least 20 characters').optional(),
  DATA_DIR: z.string().default('.data'),
  QBO_SIM_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  /** Where the development QuickBooks simulator listens (npm start embeds it). */
  QBO_SIM_URL: z.string().url().optional(),
  /** Intuit app credentials, for real sandbox/production connections. */
  QBO_CLIENT_ID: z.string().optional(),
  QBO_CLIENT_SECRET: z.string().optional(),
  QBO_ENVIRONMENT: z.enum(['sandbox', 'production']).default('sandbox'),
  QBO_REDIRECT_URI: z.string().url().default('http://localhost:3000/connections/callback'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: bool,
});

export type Config = z.infer<typeof schema>;

/** Parses the environment once, failing with every problem at the same time. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
