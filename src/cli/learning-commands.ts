import type { Config } from '../config/config.js';
import type { TenantId } from '../domain/index.js';
import { tenantModelSource } from '../learning/model-source.js';
import { retrainTenant } from '../learning/retrain.js';
import { SHIPPED_DEFAULT_MODEL } from '../scoring/model-source.js';
import { rescore } from '../scoring/rescore.js';
import { ensureTenant, migrate, openDatabase } from '../store/index.js';
import { EXIT } from './exit.js';

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

/** `leadscore retrain --tenant T`: train a challenger now, compare it with the champion, promote it if it wins (then rescore). */
export async function runRetrain(config: Config, args: { tenant: TenantId; json: boolean }, out: (text: string) => void): Promise<number> {
  const db = await openDatabase(config.database, 'leadscore retrain');
  const models = tenantModelSource(db, config.dataDir, { defaultDir: SHIPPED_DEFAULT_MODEL });
  try {
    await migrate(db);
    await ensureTenant(db, args.tenant, args.tenant);
    const result = await retrainTenant(db, models, args.tenant, { actor: 'cli' });
    const rescored = result.status === 'promoted' ? await rescore(db, models, args.tenant, { all: true }) : null;
    if (args.json) {
      out(JSON.stringify({ tenant: args.tenant, ...result, rescored }, null, 2) + '\n');
    } else {
      const lines = [`Retrain of tenant "${args.tenant}": ${result.status.replace(/_/g, ' ')} (version ${result.version}, champion before: ${result.champion})`, `  ${result.reason}`];
      const c = result.comparison;
      if (c) {
        lines.push(`  on ${c.rows} held-out outcomes (${c.positives} converted), challenger - champion with 95% bootstrap intervals:`);
        for (const [name, m] of [['AUC', c.auc], ['calibration error', c.ece], ['lift, top 10%', c.liftTopDecile]] as const) {
          lines.push(`    ${name.padEnd(18)} ${f3(m.challenger)} vs ${f3(m.champion)}  difference ${f3(m.difference)} [${f3(m.ci95[0])}, ${f3(m.ci95[1])}]`);
        }
      }
      if (result.tierChanges) lines.push(`  ${result.tierChanges.changed} of ${result.tierChanges.openLeads} open leads changed tier; ${rescored?.changed ?? 0} scores changed on rescoring`);
      out(lines.join('\n') + '\n');
    }
    return result.status === 'failed' ? EXIT.inputUnusable : EXIT.ok;
  } finally {
    await models.close();
    await db.close();
  }
}
