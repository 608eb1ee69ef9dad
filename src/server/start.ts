import type { Server } from 'node:http';
import type { Config } from '../config/config.js';
import type { Logger } from '../config/log.js';
import { LeadscoreError } from '../domain/index.js';
import { migrate, openDatabase, type Database } from '../store/index.js';
import { createApp } from './app.js';
import { seedDemoTenant } from './demo.js';

export interface RunningServer {
  url: string;
  db: Database;
  close(): Promise<void>;
}

/** Open and migrate the database, fill the demo tenant if needed, and listen. */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const db = await openDatabase(config.database, 'leadscore serve');
  let server: Server | null = null;
  try {
    const { version, applied } = await migrate(db);
    if (applied.length) log.info('database migrated', { applied, version });
    await seedDemoTenant(db, config, log);
    const app = createApp({ db, log, schemaVersion: version, demoTenant: config.demo?.tenant ?? null, startedAt: new Date() });
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.port, config.host, () => resolve(s));
      s.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? new LeadscoreError('CONFIG_INVALID', `port ${config.port} on ${config.host} is already in use; stop what uses it or set PORT`)
            : err,
        ),
      );
    });
  } catch (err) {
    await db.close();
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '127.0.0.1' ? 'localhost' : config.host;
  const running = server;
  return {
    url: `http://${shownHost}:${port}`,
    db,
    close: async () => {
      await new Promise<void>((resolve) => running.close(() => resolve()));
      await db.close();
    },
  };
}
