import type { Server } from 'node:http';
import path from 'node:path';
import type { Config } from '../config/config.js';
import type { Logger } from '../config/log.js';
import { LeadscoreError, type TenantId } from '../domain/index.js';
import { salesforceAppFromEnv } from '../../connectors/salesforce/index.js';
import { hubspotAppFromEnv } from '../../connectors/hubspot/index.js';
import { hubspotRoutes } from './hubspot-wiring.js';
import { HubSpotWebhookProcessor } from './hubspot-events.js';
import { loadVault } from '../config/secrets.js';
import { submitFeedback } from '../learning/feedback.js';
import { FolderModelSource, SHIPPED_DEFAULT_MODEL } from '../scoring/model-source.js';
import { prepareExplainers } from '../scoring/score-leads.js';
import { ChampionModelSource } from '../learning/model-source.js';
import { API_SCOPES, countApiKeys, createApiKey, ensureTenant, migrate, openDatabase, type Database } from '../store/index.js';
import { createApp, inFlight } from './app.js';
import { seedDemoTenant } from './demo.js';
import { JobRunner } from './job-runner.js';
import type { TenantSchedules } from '../workers/schedules.js';
import { Workers } from '../workers/workers.js';

export interface RunningServer {
  url: string;
  db: Database;
  jobs: JobRunner;
  /** The tenants' schedules, when this process keeps them (it runs the jobs: the embedded database). */
  schedules: TenantSchedules | null;
  /** Processes stored HubSpot webhook events in the background. */
  hubspotEvents: HubSpotWebhookProcessor;
  /** The admin key created at this start, shown once; null when one existed or was given. */
  newApiKey: { tenant: TenantId; key: string } | null;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Folder of the model tenants without their own use (default: the shipped models/default). */
  defaultModelDir?: string;
  /** Where connector settings (SALESFORCE_*, PUBLIC_URL) are read from (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

/** Seconds between job polls when the server runs the jobs over the embedded database. */
const EMBEDDED_POLL_SECONDS = 30;

/**
 * Open and migrate the database, fill the demo tenant if needed, make sure an admin API key
 * exists, start the job runner, and listen.
 */
export async function startServer(config: Config, log: Logger, options: StartOptions = {}): Promise<RunningServer> {
  // Connector settings are checked before anything starts: a wrong one stops the start.
  const salesforceApp = salesforceAppFromEnv(options.env ?? process.env);
  const hubspotApp = hubspotAppFromEnv(options.env ?? process.env);
  const db = await openDatabase(config.database, 'leadscore serve');
  const vault = loadVault(config.encryptionKey, config.dataDir);
  const onModelError = (tenant: TenantId, error: Error) => log.error('a tenant model failed to load; using the default', { tenant, error });
  // Each tenant's champion from the database; the shipped default until it has one.
  const fallback = new FolderModelSource({ defaultDir: options.defaultModelDir ?? SHIPPED_DEFAULT_MODEL, tenantsDir: path.join(config.dataDir, 'models'), onError: onModelError });
  const models = new ChampionModelSource({ db, cacheDir: path.join(config.dataDir, 'model-cache'), fallback, onError: onModelError });
  // Filled once the database is migrated; the job runner and the scheduler only send to it.
  let workers: Workers | null = null;
  const jobs = new JobRunner(db, models, log, async (tenant) => {
    await workers?.enqueue('route', tenant, 'after rescore');
    await workers?.enqueue('writeback', tenant, 'after rescore');
  });
  const hubspotEvents = new HubSpotWebhookProcessor({ db, vault, app: hubspotApp, models, log });
  let server: Server | null = null;
  let app: ReturnType<typeof createApp> | null = null;
  let newApiKey: RunningServer['newApiKey'] = null;
  try {
    const { version, applied } = await migrate(db);
    if (applied.length) log.info('database migrated', { applied, version });
    const seeded = await seedDemoTenant(db, config, log);
    newApiKey = await bootstrapApiKey(db, config);
    // Embedded, this process runs the jobs; with a Postgres server, `leadscore worker` processes do.
    // Embedded, every job is sent from this process, which wakes its workers itself; a poll of the
    // seven queues blocks the event loop a few milliseconds each (PGlite runs on it), which API
    // requests felt in their latency when it came every 2 seconds.
    workers = await Workers.start(
      { db, models, log, vault, salesforceApp, hubspotApp, outDir: path.join(config.dataDir, 'out') },
      { work: db.kind === 'embedded', pollSeconds: EMBEDDED_POLL_SECONDS },
    );
    const queue = workers;
    jobs.useQueue((tenant) => queue.enqueue('score', tenant, 'api'));
    await hubspotEvents.resume();
    const resumed = await jobs.resume();
    if (resumed) log.info('resuming unfinished jobs', { jobs: resumed });
    // Score the demo data as it arrives, so the first look shows scores.
    if (seeded && config.demo) await jobs.enqueueRescore(config.demo.tenant, { all: true });
    app = createApp({
      db,
      log,
      schemaVersion: version,
      demoTenant: config.demo?.tenant ?? null,
      startedAt: new Date(),
      models,
      jobs,
      onSettingsSaved: async (tenant) => workers?.schedules?.refresh(tenant),
      onWritesQueued: async (tenant) => workers?.enqueue('writeback', tenant, 'dead letters retried'),
      learning: {
        models,
        enqueueRetrain: async (tenant, reason) => (await workers?.enqueue('retrain', tenant, reason.slice(0, 100))) ?? null,
        afterPromotion: (tenant) => jobs.enqueueRescore(tenant, { all: true }),
      },
      enqueueMonitor: async (tenant) => (workers ? workers.enqueue('monitor', tenant, 'api') : null),
      salesforce: salesforceApp ? { app: salesforceApp, vault } : null,
      web: {
        vault,
        salesforce: salesforceApp,
        hubspot: hubspotApp,
        publicUrl: (options.env ?? process.env).PUBLIC_URL?.replace(/\/+$/, '') || null,
        secureCookies: /^https:/.test((options.env ?? process.env).PUBLIC_URL ?? ''),
        recordFeedback: async (tenant, source, leadId, body) => {
          const saved = await submitFeedback(db, tenant, source, leadId, body);
          if (!saved) throw new LeadscoreError('NOT_FOUND', `no lead "${leadId}" from ${source} in this account`);
          return { id: String(saved.id) };
        },
      },
      hubspot: hubspotRoutes({
        db,
        vault,
        app: hubspotApp,
        processor: hubspotEvents,
        onConnected: (tenant) => void workers?.enqueue('sync', tenant, 'connected'),
        models,
        onSettingsSaved: async (tenant) => workers?.schedules?.refresh(tenant),
      }),
    });
    // The default model's explanation tables are built before the first request rather than by
    // it: built on demand, a start under load kept the first requests waiting a second or more.
    const defaults = await fallback.defaultSet();
    try {
      if (defaults) log.info('explainers ready', { models: prepareExplainers(defaults) });
    } catch (error) {
      log.error("building the default model's explanation tables failed; the first lead scored with reasons tries again", { error });
    }
    server = await new Promise<Server>((resolve, reject) => {
      const s = app!.listen(config.port, config.host, () => resolve(s));
      s.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? new LeadscoreError('CONFIG_INVALID', `port ${config.port} on ${config.host} is already in use; stop what uses it or set PORT`)
            : err,
        ),
      );
    });
  } catch (err) {
    await hubspotEvents.stop();
    await jobs.stop();
    await workers?.stop();
    await models.close();
    await db.close();
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '127.0.0.1' ? 'localhost' : config.host;
  const running = server;
  const handling = app!;
  return {
    url: `http://${shownHost}:${port}`,
    db,
    jobs,
    get schedules() {
      return workers?.schedules ?? null;
    },
    hubspotEvents,
    newApiKey,
    close: async () => {
      const closed = new Promise<void>((resolve) => running.close(() => resolve()));
      running.closeIdleConnections();
      // Requests already read finish before the models and database they use are closed.
      for (let waited = 0; inFlight(handling) > 0 && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      running.closeAllConnections();
      await closed;
      await hubspotEvents.stop();
      await jobs.stop();
      await workers?.stop();
      await models.close();
      await db.close();
    },
  };
}

/**
 * The first start makes an admin key for the demo tenant (or "default") and returns it to be
 * shown once; LEADSCORE_BOOTSTRAP_API_KEY makes that value the key instead.
 */
async function bootstrapApiKey(db: Database, config: Config): Promise<RunningServer['newApiKey']> {
  const tenant = config.demo?.tenant ?? ('default' as TenantId);
  await ensureTenant(db, tenant, config.demo ? 'Demo (synthetic data)' : 'Default');
  if (config.bootstrapApiKey) {
    await createApiKey(db, tenant, API_SCOPES, 'bootstrap (LEADSCORE_BOOTSTRAP_API_KEY)', config.bootstrapApiKey);
    return null;
  }
  if ((await countApiKeys(db, tenant)) > 0) return null;
  const { key } = await createApiKey(db, tenant, API_SCOPES, 'created at first start');
  return { tenant, key };
}
