import express, { type Express } from 'express';
import type { Logger } from '../config/log.js';
import type { TenantId } from '../domain/index.js';
import { countTenantData, latestImportRun, type Database } from '../store/index.js';
import { homePage } from './home.js';

export interface AppDeps {
  db: Database;
  log: Logger;
  schemaVersion: number;
  demoTenant: TenantId | null;
  startedAt: Date;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');

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
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    deps.log.error('request failed', { error: err });
    res.status(500).json({ error: { code: 'INTERNAL', message: 'something went wrong; the server log has the details' } });
  });
  return app;
}
