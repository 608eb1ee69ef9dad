import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileBundleSource } from '../../connectors/file/index.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../config/log.js';
import { countTenantData, ensureTenant, type Database } from '../store/index.js';
import { recordedImport } from '../sync/index.js';
import { generateBundle } from '../synthetic/index.js';

/**
 * Fill the demo tenant (true when it was filled now) from the synthetic generator the first time the server starts, through
 * the same bundle import a user runs, so the demo shows what an import gives.
 */
export async function seedDemoTenant(db: Database, config: Config, log: Logger): Promise<boolean> {
  const demo = config.demo;
  if (!demo || demo.leads === 0) return false;
  await ensureTenant(db, demo.tenant, 'Demo (synthetic data)');
  if ((await countTenantData(db, demo.tenant)).leads > 0) return false;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-demo-'));
  try {
    // Exported today, so the demo's activity is recent rather than frozen at a fixed date.
    const today = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    log.info('filling the demo tenant with synthetic data', { tenant: demo.tenant, leads: demo.leads, seed: demo.seed });
    await generateBundle({ leads: demo.leads, seed: demo.seed, outDir: dir, exportAt: today });
    const result = await recordedImport(db, demo.tenant, `synthetic demo data (seed ${demo.seed})`, new FileBundleSource({ dir }));
    log.info('demo tenant ready', { tenant: demo.tenant, leads: result.streams.leads.inserted, activities: result.streams.activities.inserted });
    return true;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
