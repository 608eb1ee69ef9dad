import { hubspotAppFromEnv, privateAppTokens } from '../../connectors/hubspot/index.js';
import type { Config } from '../config/config.js';
import { loadVault } from '../config/secrets.js';
import { LeadscoreError, type TenantId } from '../domain/index.js';
import { connectHubspot } from '../crm/hubspot-connect.js';
import { migrate, openDatabase } from '../store/index.js';
import { EXIT } from './exit.js';

/**
 * `leadscore connect hubspot --tenant T --token TOKEN`: connect one portal with a private app's
 * token (HUBSPOT_PRIVATE_APP_TOKEN when --token is not given, which keeps it out of the process
 * list), then provision the Leadscore contact properties. The first sync is `leadscore sync`.
 */
export async function runConnectHubspot(config: Config, args: { tenant: TenantId; token: string | null; json: boolean }, out: (text: string) => void): Promise<number> {
  const app = hubspotAppFromEnv(process.env);
  const token = args.token ?? app.privateAppToken ?? null;
  if (!token) throw new LeadscoreError('USAGE', 'leadscore connect hubspot needs a private app token: --token TOKEN or HUBSPOT_PRIVATE_APP_TOKEN (admins of a marketplace install connect through the app at /oauth/hubspot/install)');
  const tokens = await privateAppTokens(app, token);
  const db = await openDatabase(config.database, 'leadscore connect hubspot');
  try {
    await migrate(db);
    const result = await connectHubspot(db, loadVault(config.encryptionKey, config.dataDir), app, args.tenant, tokens);
    if (args.json) out(JSON.stringify(result, null, 2) + '\n');
    else {
      out(`Connected HubSpot portal ${result.hubId}${result.hubDomain ? ` (${result.hubDomain})` : ''} to tenant "${args.tenant}" as ${result.connectionId}.\n`);
      const p = result.properties;
      out(p.created.length ? `Created the contact properties ${p.created.join(', ')}${p.groupCreated ? ' in the new "leadscore" group' : ''}.\n` : 'Every Leadscore contact property was already there.\n');
      if (p.optionsAdded.length) out(`Added the tier options ${p.optionsAdded.join(', ')}.\n`);
      out(`Run "leadscore sync --tenant ${args.tenant}" for the first backfill.\n`);
    }
    return EXIT.ok;
  } finally {
    await db.close();
  }
}
