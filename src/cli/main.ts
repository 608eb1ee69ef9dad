#!/usr/bin/env node
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, type Config } from '../config/config.js';
import { createLogger, type Logger } from '../config/log.js';
import { LeadscoreError, TenantIdSchema, isLeadscoreError, type TenantId } from '../domain/index.js';
import { migrate, openDatabase } from '../store/index.js';
import { startServer } from '../server/start.js';
import { EXIT, exitCodeFor } from './exit.js';
import { runGenerate } from './generate.js';
import { runRetrain } from './learning-commands.js';
import { runImport } from './import.js';
import { runEvaluate, runScore, runTrain } from './model-commands.js';
import { runConnectSalesforce, runCreateApiKey, runRescore, runSync, runWriteback } from './service-commands.js';
import { runConnectHubspot } from './hubspot-commands.js';
import { parseIsoDate } from '../../connectors/file/index.js';
import { salesforceAppFromEnv } from '../../connectors/salesforce/index.js';
import { hubspotAppFromEnv } from '../../connectors/hubspot/index.js';
import { loadVault } from '../config/secrets.js';
import { SHIPPED_DEFAULT_MODEL } from '../scoring/model-source.js';
import { tenantModelSource } from '../learning/model-source.js';
import { Workers } from '../workers/workers.js';

const USAGE = `Usage: leadscore <command> [options]

Commands:
  serve                       start the web server (and, on the embedded database, its workers)
      [--port P] [--host H]
  import --data DIR           import a CSV bundle folder (leads.csv, activities.csv, outcomes.csv)
      [--tenant T] [--json]   into tenant T (default "default"); --json prints one JSON report;
      [--no-score]            open leads it adds or changes are then scored (unless --no-score)
  rescore [--tenant T]        rescore every open lead of tenant T now (or --lead ID, repeatable)
      [--lead ID] [--as-of ISO] [--json]
  connect salesforce --jwt [--tenant T] [--json]
                              connect a Salesforce org with the JWT bearer flow (SALESFORCE_*)
  connect hubspot [--tenant T] [--token TOKEN] [--json]
                              connect a HubSpot portal with a private app token (or
                              HUBSPOT_PRIVATE_APP_TOKEN) and create the Leadscore properties
  sync [--tenant T] [--full] [--json]
                              sync the tenant's Salesforce orgs and HubSpot portals from their
                              cursors (or everything with --full)
  writeback [--tenant T] [--json]
                              send pending score writes to the tenant's Salesforce org
  retrain [--tenant T] [--json]
                              train a challenger on the tenant's outcomes now, compare it
                              with the champion, promote it if it wins by the margin
  api-key create [--tenant T] [--scopes S] [--label L]
                              make an API key (scopes: scores:read,score,admin; default all)
  generate --out DIR          write a synthetic CRM bundle for demos, tests and benchmarks
      [--leads N] [--seed S]  (default 1000 leads, seed 1; same seed, same bytes)
      [--export-at ISO] [--json]
  train --data DIR --model-out DIR [--json] [--default]
                              train fit, engagement and composite models from a bundle
                              (--default marks it as the model shipped for new tenants)
  score --data DIR --model DIR --out FILE.csv [--as-of ISO]
                              score the bundle's open leads (default as of its latest time)
  evaluate --csv FILE --label COL [--id COL] [--drop COLS] [--folds K] [--seed N]
      [--predictions OUT.csv] [--json]
                              cross-validate the scoring model on a flat table
  worker                      run background jobs (needs DATABASE_URL; the embedded
                              database runs them inside "serve")
  migrate                     apply database migrations and exit
  help                        show this text

Settings come from the environment (see the README): DATABASE_URL, DATA_DIR, PORT, ...
Exit codes: 0 ok, 1 internal error, 2 usage or configuration, 3 rows rejected,
            4 input unusable, 5 database locked or unavailable, 6 CRM refused or failed.
`;

const write = (text: string) => process.stdout.write(text);
const note = (text: string) => process.stderr.write(`leadscore: ${text}\n`);

function usage(message: string): never {
  throw new LeadscoreError('USAGE', `${message}\n\n${USAGE}`);
}

function integerOption(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) > max) usage(`--${name} must be a whole number from 0 to ${max}, got "${value}"`);
  return Number(value);
}

function tenantOption(value: string | undefined): TenantId {
  const parsed = TenantIdSchema.safeParse(value ?? 'default');
  if (!parsed.success) usage(`--tenant "${value}": ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

/** Resolves on SIGINT or SIGTERM (Ctrl+C, a platform's restart). */
function waitForStop(log: Logger): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      log.info('stopping', { signal });
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    write(USAGE);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  const parse = (options: NonNullable<ParseArgsConfig['options']>) => {
    try {
      return parseArgs({ args: rest, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
    } catch (err) {
      return usage(`leadscore ${command}: ${(err as Error).message}`);
    }
  };
  const config = (): Config => loadConfig();

  switch (command) {
    case 'import': {
      const v = parse({ data: { type: 'string' }, tenant: { type: 'string' }, json: { type: 'boolean' }, 'no-score': { type: 'boolean' } });
      if (typeof v.data !== 'string') usage('leadscore import needs --data DIR');
      return runImport(config(), { dir: v.data, tenant: tenantOption(v.tenant as string | undefined), json: v.json === true, score: v['no-score'] !== true }, write);
    }
    case 'generate': {
      const v = parse({
        leads: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        'export-at': { type: 'string' },
        json: { type: 'boolean' },
      });
      if (typeof v.out !== 'string') usage('leadscore generate needs --out DIR');
      const exportAtText = v['export-at'] as string | undefined;
      const exportAt = exportAtText === undefined ? undefined : parseIsoDate(exportAtText);
      if (exportAt === null) usage(`--export-at "${exportAtText}" is not an ISO 8601 time`);
      return runGenerate(
        {
          leads: integerOption('leads', v.leads as string | undefined, 1000, 10_000_000),
          seed: integerOption('seed', v.seed as string | undefined, 1, 2 ** 31 - 1),
          out: v.out,
          ...(exportAt ? { exportAt } : {}),
          json: v.json === true,
        },
        write,
      );
    }
    case 'serve': {
      const v = parse({ port: { type: 'string' }, host: { type: 'string' } });
      const env = { ...process.env };
      if (typeof v.port === 'string') env.PORT = v.port;
      if (typeof v.host === 'string') env.HOST = v.host;
      const cfg = loadConfig(env);
      const log = createLogger(cfg.logLevel);
      const server = await startServer(cfg, log);
      log.info(`Leadscore is running at ${server.url}`, { database: server.db.kind });
      if (server.newApiKey) {
        // Shown once, never logged: only its hash is stored.
        process.stderr.write(
          `\nAn admin API key for tenant "${server.newApiKey.tenant}" was created. It is shown only this once; keep it somewhere safe:\n\n    ${server.newApiKey.key}\n\n` +
            `Try: curl -s -H "Authorization: Bearer <key>" ${server.url}/api/v1/settings\n`,
        );
      }
      process.stderr.write(`\nLeadscore is running at ${server.url} (press Ctrl+C to stop); API documentation at ${server.url}/api/v1/openapi.json\n\n`);
      await waitForStop(log);
      await server.close();
      return EXIT.ok;
    }
    case 'train': {
      const v = parse({ data: { type: 'string' }, 'model-out': { type: 'string' }, json: { type: 'boolean' }, default: { type: 'boolean' } });
      if (typeof v.data !== 'string' || typeof v['model-out'] !== 'string') usage('leadscore train needs --data DIR and --model-out DIR');
      return runTrain({ data: v.data, modelOut: v['model-out'], json: v.json === true, isDefault: v.default === true }, write, note);
    }
    case 'score': {
      const v = parse({ data: { type: 'string' }, model: { type: 'string' }, out: { type: 'string' }, 'as-of': { type: 'string' } });
      if (typeof v.data !== 'string' || typeof v.model !== 'string' || typeof v.out !== 'string') {
        usage('leadscore score needs --data DIR, --model DIR and --out FILE.csv');
      }
      const asOfText = v['as-of'] as string | undefined;
      const asOf = asOfText === undefined ? null : parseIsoDate(asOfText);
      if (asOfText !== undefined && asOf === null) usage(`--as-of "${asOfText}" is not an ISO 8601 time`);
      return runScore({ data: v.data, model: v.model, out: v.out, asOf }, write, note);
    }
    case 'evaluate': {
      const v = parse({
        csv: { type: 'string' },
        label: { type: 'string' },
        id: { type: 'string' },
        drop: { type: 'string' },
        folds: { type: 'string' },
        seed: { type: 'string' },
        predictions: { type: 'string' },
        json: { type: 'boolean' },
      });
      if (typeof v.csv !== 'string' || typeof v.label !== 'string') usage('leadscore evaluate needs --csv FILE and --label COL');
      const folds = integerOption('folds', v.folds as string | undefined, 5, 100);
      if (folds < 2) usage('--folds must be at least 2');
      return runEvaluate(
        {
          csv: v.csv,
          label: v.label,
          id: (v.id as string | undefined) ?? null,
          drop: typeof v.drop === 'string' ? v.drop.split(',').map((d) => d.trim()).filter(Boolean) : [],
          folds,
          seed: integerOption('seed', v.seed as string | undefined, 7, 2 ** 31 - 1),
          predictions: (v.predictions as string | undefined) ?? null,
          json: v.json === true,
        },
        write,
      );
    }
    case 'worker': {
      parse({});
      const cfg = config();
      if (cfg.database.kind === 'embedded') {
        throw new LeadscoreError(
          'USAGE',
          'leadscore worker shares jobs with other processes through a Postgres server: set DATABASE_URL. ' +
            'On the embedded database, "leadscore serve" runs the jobs in its own process.',
        );
      }
      const log = createLogger(cfg.logLevel);
      const db = await openDatabase(cfg.database, 'leadscore worker');
      const models = tenantModelSource(db, cfg.dataDir, {
        defaultDir: SHIPPED_DEFAULT_MODEL,
        onError: (tenant, error) => log.error('a tenant model failed to load; using the default', { tenant, error }),
      });
      try {
        const { version } = await migrate(db);
        const leaseMs = process.env.WRITEBACK_LEASE_MS ? Number(process.env.WRITEBACK_LEASE_MS) : undefined;
        if (leaseMs !== undefined && !(Number.isInteger(leaseMs) && leaseMs >= 1000)) throw new LeadscoreError('CONFIG_INVALID', `WRITEBACK_LEASE_MS must be a whole number of milliseconds, at least 1000 (got ${process.env.WRITEBACK_LEASE_MS})`);
        const workers = await Workers.start(
          { db, models, log, vault: loadVault(cfg.encryptionKey, cfg.dataDir), salesforceApp: salesforceAppFromEnv(process.env), hubspotApp: hubspotAppFromEnv(process.env), outDir: path.join(cfg.dataDir, 'out') },
          // WORKER_SCHEDULES=off: a worker that only takes jobs (another process keeps the schedules).
          // Salesforce change events: each org's subscription is held by one worker (a lease in Postgres).
          { pollSeconds: 1, schedules: process.env.WORKER_SCHEDULES !== 'off', realtime: process.env.SALESFORCE_REALTIME !== 'off', ...(leaseMs ? { leaseMs } : {}) },
        );
        log.info('worker ready', { schemaVersion: version, holder: workers.holder });
        await waitForStop(log);
        // SIGTERM: the batch in flight is finished and settled, no new job is taken.
        await workers.stop();
      } finally {
        await models.close();
        await db.close();
      }
      return EXIT.ok;
    }
    case 'rescore': {
      const v = parse({ tenant: { type: 'string' }, lead: { type: 'string', multiple: true }, 'as-of': { type: 'string' }, json: { type: 'boolean' } });
      const asOfText = v['as-of'] as string | undefined;
      const asOf = asOfText === undefined ? null : parseIsoDate(asOfText);
      if (asOfText !== undefined && asOf === null) usage(`--as-of "${asOfText}" is not an ISO 8601 time`);
      return runRescore(config(), { tenant: tenantOption(v.tenant as string | undefined), leads: (v.lead as string[] | undefined) ?? [], asOf, json: v.json === true }, write);
    }
    case 'retrain': {
      const v = parse({ tenant: { type: 'string' }, json: { type: 'boolean' } });
      return runRetrain(config(), { tenant: tenantOption(v.tenant as string | undefined), json: v.json === true }, write);
    }
    case 'api-key': {
      const [sub, ...more] = rest;
      if (sub !== 'create') usage('leadscore api-key needs a subcommand: create');
      let v: { tenant?: string; scopes?: string; label?: string };
      try {
        v = parseArgs({ args: more, options: { tenant: { type: 'string' }, scopes: { type: 'string' }, label: { type: 'string' } }, strict: true }).values;
      } catch (err) {
        return usage(`leadscore api-key create: ${(err as Error).message}`);
      }
      const scopes = (v.scopes ?? 'scores:read,score,admin').split(',').map((s) => s.trim()).filter(Boolean);
      return runCreateApiKey(config(), { tenant: tenantOption(v.tenant), scopes, label: v.label ?? '' }, write);
    }
    case 'connect': {
      const [crm, ...more] = rest;
      if (crm === 'hubspot') {
        let h: { tenant?: string; token?: string; json?: boolean };
        try {
          h = parseArgs({ args: more, options: { tenant: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' } }, strict: true }).values;
        } catch (err) {
          return usage(`leadscore connect hubspot: ${(err as Error).message}`);
        }
        return runConnectHubspot(config(), { tenant: tenantOption(h.tenant), token: h.token ?? null, json: h.json === true }, write);
      }
      if (crm !== 'salesforce') usage('leadscore connect needs a CRM: salesforce or hubspot');
      let v: { tenant?: string; jwt?: boolean; json?: boolean };
      try {
        v = parseArgs({ args: more, options: { tenant: { type: 'string' }, jwt: { type: 'boolean' }, json: { type: 'boolean' } }, strict: true }).values;
      } catch (err) {
        return usage(`leadscore connect salesforce: ${(err as Error).message}`);
      }
      return runConnectSalesforce(config(), { tenant: tenantOption(v.tenant), jwt: v.jwt === true, json: v.json === true }, write);
    }
    case 'sync': {
      const v = parse({ tenant: { type: 'string' }, full: { type: 'boolean' }, json: { type: 'boolean' } });
      return runSync(config(), { tenant: tenantOption(v.tenant as string | undefined), full: v.full === true, json: v.json === true }, write);
    }
    case 'writeback': {
      const v = parse({ tenant: { type: 'string' }, json: { type: 'boolean' } });
      return runWriteback(config(), { tenant: tenantOption(v.tenant as string | undefined), json: v.json === true }, write);
    }
    case 'migrate': {
      parse({});
      const cfg = config();
      const db = await openDatabase(cfg.database, 'leadscore migrate');
      try {
        const { applied, version } = await migrate(db);
        write(applied.length ? `Applied migrations ${applied.join(', ')}; schema version ${version}\n` : `Schema is up to date (version ${version})\n`);
      } finally {
        await db.close();
      }
      return EXIT.ok;
    }
    default:
      return usage(`unknown command "${command}"`);
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (isLeadscoreError(err)) {
      process.stderr.write(`leadscore: ${err.message}\n`);
    } else if (isSystemError(err)) {
      // The machine said no (permissions, a full disk): its message names the path.
      process.stderr.write(`leadscore: ${err.message}\n`);
    } else {
      // Not a user mistake: say so, with the details a bug report needs.
      process.stderr.write(`leadscore: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    }
    process.exitCode = exitCodeFor(err);
  },
);
