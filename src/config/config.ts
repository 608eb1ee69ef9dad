import path from 'node:path';
import { z } from 'zod';
import { LeadscoreError, TenantIdSchema } from '../domain/index.js';

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

const integer = (min: number, max: number, fallback: number) =>
  z.preprocess(
    (value) => (value === undefined || value === '' ? String(fallback) : value),
    z
      .string()
      .regex(/^\d+$/, 'expected a whole number')
      .transform(Number)
      .pipe(z.number().int().min(min).max(max)),
  );

/**
 * Every setting Leadscore reads from the environment, with its default. The README's
 * configuration table is written from this list; keep the descriptions in step.
 */
const EnvSchema = z.object({
  PORT: integer(0, 65535, 3000),
  HOST: z.preprocess(emptyAsUndefined, z.string().min(1).default('127.0.0.1')),
  DATA_DIR: z.preprocess(emptyAsUndefined, z.string().min(1).default('./.data')),
  DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
      .optional(),
  ),
  DATABASE_POOL_SIZE: integer(1, 200, 10),
  DATABASE_SSL: z.preprocess(emptyAsUndefined, z.enum(['off', 'no-verify', 'verify']).default('off')),
  LOG_LEVEL: z.preprocess(emptyAsUndefined, z.enum(['debug', 'info', 'warn', 'error']).default('info')),
  DEMO_TENANT: z.preprocess(
    (value) => (value === undefined ? 'demo' : value),
    z.union([z.literal(''), TenantIdSchema]),
  ),
  DEMO_LEADS: integer(0, 1_000_000, 2000),
  DEMO_SEED: integer(0, 2 ** 31 - 1, 42),
  LEADSCORE_ENCRYPTION_KEY: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine((v) => Buffer.from(v, 'base64').length === 32, 'expected the base64 of 32 random bytes (openssl rand -base64 32)')
      .optional(),
  ),
  LEADSCORE_BOOTSTRAP_API_KEY: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^ls_[a-z0-9]{12}_[A-Za-z0-9_-]{20,200}$/, 'expected ls_<12 lower-case letters or digits>_<20-200 letters, digits, "-" or "_">')
      .optional(),
  ),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  database:
    | { kind: 'embedded'; dataDir: string }
    | { kind: 'server'; url: string; poolSize: number; ssl: 'off' | 'no-verify' | 'verify' };
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** The tenant filled with synthetic data on first start; null when DEMO_TENANT is empty. */
  demo: { tenant: z.infer<typeof TenantIdSchema>; leads: number; seed: number } | null;
  /** An admin API key to create at start instead of a random one (scripts, tests). */
  bootstrapApiKey: string | null;
  /** Key sealing CRM tokens at rest; without it, a key file in DATA_DIR (fine for one machine). */
  encryptionKey: string | null;
}

/** Parse the environment once. A wrong value stops the start with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '?');
      const value = env[variable];
      const shown =
        value === undefined || variable === 'LEADSCORE_BOOTSTRAP_API_KEY' || variable === 'LEADSCORE_ENCRYPTION_KEY' ? '' : ` (got ${JSON.stringify(variable === 'DATABASE_URL' ? redactUrl(value) : value)})`;
      return `${variable}: ${issue.message}${shown}`;
    });
    throw new LeadscoreError('CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    database: e.DATABASE_URL
      ? { kind: 'server', url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE, ssl: e.DATABASE_SSL }
      : { kind: 'embedded', dataDir: path.join(dataDir, 'pg') },
    logLevel: e.LOG_LEVEL,
    demo: e.DEMO_TENANT === '' ? null : { tenant: e.DEMO_TENANT, leads: e.DEMO_LEADS, seed: e.DEMO_SEED },
    bootstrapApiKey: e.LEADSCORE_BOOTSTRAP_API_KEY ?? null,
    encryptionKey: e.LEADSCORE_ENCRYPTION_KEY ?? null,
  };
}

/** A connection URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
