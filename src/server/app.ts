import { randomUUID } from 'node:crypto';
import express, { type Express, type Router } from 'express';
import type { Logger } from '../config/log.js';
import { httpRequestDuration, metricsRegistry, queueDepth } from '../config/metrics.js';
import type { TenantId } from '../domain/index.js';
import type { ModelSource } from '../scoring/rescore.js';
import { countPendingOutbox, countTenantData, latestImportRun, type Database } from '../store/index.js';
import { errorHandler } from './api/errors.js';
import { apiRouter, type ApiDeps } from './api/routes.js';
import { homePage } from './home.js';
import { salesforceOAuthRouter } from './oauth-routes.js';
import type { SalesforceApp } from '../../connectors/salesforce/index.js';
import type { Vault } from '../config/secrets.js';
import type { JobRunner } from './job-runner.js';
import { webRouter, type WebDeps } from './web/index.js';

export interface AppDeps {
  db: Database;
  log: Logger;
  schemaVersion: number;
  demoTenant: TenantId | null;
  startedAt: Date;
  /** Scoring: the API is mounted only with models and a job runner. */
  models?: ModelSource & { defaultLoaded(): Promise<boolean> };
  jobs?: JobRunner;
  onSettingsSaved?: (tenant: TenantId) => Promise<void>;
  /** Writes were put back in the outbox (dead letters retried): ask for a writeback. */
  onWritesQueued?: (tenant: TenantId) => Promise<unknown>;
  /** Model versions: retraining, promotion and rollback routes. */
  learning?: ApiDeps['learning'];
  /** Queue a monitoring run (POST /api/v1/monitoring/run): the job id, or null when one is waiting. */
  enqueueMonitor?: (tenant: TenantId) => Promise<string | null>;
  /** Salesforce's OAuth routes, when a Connected App is configured. */
  salesforce?: { app: SalesforceApp; vault: Vault } | null;
  /** HubSpot's OAuth and webhook routes, as configured. */
  hubspot?: Router[];
  /** The web settings app at /app (needs the models). */
  web?: Omit<WebDeps, 'db' | 'models' | 'onSettingsSaved' | 'onWritesQueued'> | null;
}

/** Requests being handled, so a stop can wait for them before closing the models and database. */
export function inFlight(app: Express): number {
  return (app.locals.busy as { count: number } | undefined)?.count ?? 0;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETags: API answers are computed per request, and hashing each body costs time for nothing.
  app.set('etag', false);
  app.set('trust proxy', false);
  // Handlers still running (a client that hung up does not stop its handler).
  const busy = { count: 0 };
  app.locals.busy = busy;

  // A request id on every request and log line (a caller's own X-Request-Id is kept when sane);
  // one line per request with its route, status and time, never its body.
  app.use((req, res, next) => {
    const given = req.get('x-request-id');
    req.id = given && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
    req.log = deps.log.child({ requestId: req.id });
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = req.route ? `${req.baseUrl}${req.route.path as string}` : 'unmatched';
      httpRequestDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      if (req.path !== '/metrics' && req.path !== '/healthz') {
        req.log[res.statusCode >= 500 ? 'error' : 'info']('request', { method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10 });
      }
    });
    next();
  });

  app.get('/health', async (_req, res) => {
    const body = {
      status: 'ok' as 'ok' | 'unavailable',
      database: { kind: deps.db.kind, schemaVersion: deps.schemaVersion, reachable: true },
      uptimeSeconds: Math.round((Date.now() - deps.startedAt.getTime()) / 1000),
    };
    try {
      await deps.db.query('SELECT 1');
    } catch (err) {
      deps.log.error('health check: database unreachable', { error: err });
      body.status = 'unavailable';
      body.database.reachable = false;
    }
    res.status(body.status === 'ok' ? 200 : 503).json(body);
  });

  /** Liveness: the process answers. */
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  /** Readiness: the database answers and the default model is loaded. */
  app.get('/readyz', async (req, res) => {
    const checks = { database: false, model: false };
    try {
      await deps.db.query('SELECT 1');
      checks.database = true;
    } catch (err) {
      req.log.error('readiness: database unreachable', { error: err });
    }
    checks.model = deps.models ? await deps.models.defaultLoaded() : false;
    const ready = checks.database && checks.model;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });

  app.get('/metrics', async (req, res) => {
    try {
      await deps.jobs?.measure();
      queueDepth.set({ queue: 'outbox' }, await countPendingOutbox(deps.db));
    } catch (err) {
      req.log.warn('metrics: queue depth unavailable', { error: err });
    }
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });

  if (deps.salesforce) app.use(salesforceOAuthRouter({ db: deps.db, ...deps.salesforce }));
  for (const router of deps.hubspot ?? []) app.use(router);
  if (deps.models && deps.jobs) app.use('/api/v1', apiRouter({ db: deps.db, models: deps.models, jobs: deps.jobs, busy, ...(deps.onSettingsSaved ? { onSettingsSaved: deps.onSettingsSaved } : {}), ...(deps.onWritesQueued ? { onWritesQueued: deps.onWritesQueued } : {}), ...(deps.learning ? { learning: deps.learning } : {}), ...(deps.enqueueMonitor ? { enqueueMonitor: deps.enqueueMonitor } : {}) }));

  if (deps.web && deps.models) {
    app.use('/app', webRouter({ db: deps.db, models: deps.models, ...deps.web, ...(deps.onSettingsSaved ? { onSettingsSaved: deps.onSettingsSaved } : {}), ...(deps.onWritesQueued ? { onWritesQueued: deps.onWritesQueued } : {}) }));
  }

  app.get('/', async (_req, res, next) => {
    try {
      const demo = deps.demoTenant
        ? {
            tenant: deps.demoTenant,
            counts: await countTenantData(deps.db, deps.demoTenant),
            lastImport: await latestImportRun(deps.db, deps.demoTenant),
          }
        : null;
      res.type('html').send(homePage({ databaseKind: deps.db.kind, schemaVersion: deps.schemaVersion, demo }));
    } catch (err) {
      next(err);
    }
  });

  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: 'no such page' } });
  });
  app.use(errorHandler);
  return app;
}
