import { jwtBearerTokens, salesforceAppFromEnv } from '../../connectors/salesforce/index.js';
import { hubspotAppFromEnv } from '../../connectors/hubspot/index.js';
import { syncHubspot } from '../crm/hubspot-sync.js';
import { loadVault } from '../config/secrets.js';
import { connectSalesforce } from '../crm/salesforce-connect.js';
import { syncSalesforce } from '../crm/salesforce-sync.js';
import { writebackSalesforce } from '../crm/salesforce-writeback.js';
import type { Config } from '../config/config.js';
import { LeadscoreError, type TenantId } from '../domain/index.js';
import { SHIPPED_DEFAULT_MODEL } from '../scoring/model-source.js';
import { tenantModelSource } from '../learning/model-source.js';
import { rescore } from '../scoring/rescore.js';
import { API_SCOPES, createApiKey, ensureTenant, migrate, openDatabase, type ApiScope } from '../store/index.js';
import { EXIT } from './exit.js';
import { ProgressBar } from './progress.js';

/** `leadscore rescore`: every open lead of a tenant, or the given ones, as of now or --as-of. */
export async function runRescore(
  config: Config,
  args: { tenant: TenantId; leads: string[]; asOf: Date | null; json: boolean },
  out: (text: string) => void,
): Promise<number> {
  const db = await openDatabase(config.database, 'leadscore rescore');
  const models = tenantModelSource(db, config.dataDir, { defaultDir: SHIPPED_DEFAULT_MODEL });
  const progress = new ProgressBar('rescore');
  try {
    await migrate(db);
    const started = Date.now();
    const total = args.leads.length || Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM leads WHERE tenant_id = $1`, [args.tenant]))[0]!.n);
    const result = await rescore(db, models, args.tenant, args.leads.length ? { ids: args.leads } : { all: true }, {
      ...(args.asOf ? { asOf: args.asOf } : {}),
      onProgress: (done) => progress.update(done.leads, total, 'leads'),
    });
    progress.done();
    const modelVersion = (await models.forTenant(args.tenant))?.manifest.version ?? null;
    const seconds = (Date.now() - started) / 1000;
    if (args.json) out(JSON.stringify({ tenant: args.tenant, modelVersion, seconds, ...result }, null, 2) + '\n');
    else {
      out(
        `Rescored ${result.leads} open lead${result.leads === 1 ? '' : 's'} of tenant "${args.tenant}" in ${seconds.toFixed(1)} s with model ${modelVersion ?? '(none)'}: ` +
          `${result.scored} scored, ${result.notScored} not scorable yet; ${result.changed} changed, ${result.writes} CRM write job${result.writes === 1 ? '' : 's'} queued.\n`,
      );
      if (result.unknownIds.length) out(`Not leads of this tenant: ${result.unknownIds.slice(0, 20).join(', ')}${result.unknownIds.length > 20 ? ', ...' : ''}\n`);
      if (result.closed) out(`${result.closed} of the given leads have an outcome and were left alone.\n`);
    }
    return result.unknownIds.length ? EXIT.rejectedRows : EXIT.ok;
  } finally {
    progress.done();
    await models.close();
    await db.close();
  }
}

/** `leadscore api-key create`: prints the key once; only its hash is stored. */
export async function runCreateApiKey(
  config: Config,
  args: { tenant: TenantId; scopes: string[]; label: string },
  out: (text: string) => void,
): Promise<number> {
  const unknown = args.scopes.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
  if (unknown.length) throw new LeadscoreError('USAGE', `--scopes: unknown scope(s) ${unknown.join(', ')}; choose from ${API_SCOPES.join(', ')}`);
  const db = await openDatabase(config.database, 'leadscore api-key create');
  try {
    await migrate(db);
    await ensureTenant(db, args.tenant, args.tenant);
    const { key, keyId } = await createApiKey(db, args.tenant, args.scopes as ApiScope[], args.label);
    out(`${key}\n`);
    process.stderr.write(`leadscore: API key ${keyId} for tenant "${args.tenant}" with scopes ${args.scopes.join(', ')}; it is shown only this once\n`);
    return EXIT.ok;
  } finally {
    await db.close();
  }
}

/** `leadscore connect salesforce --tenant T --jwt`: connect one org through the JWT bearer flow. */
export async function runConnectSalesforce(config: Config, args: { tenant: TenantId; jwt: boolean; json: boolean }, out: (text: string) => void): Promise<number> {
  if (!args.jwt) {
    throw new LeadscoreError('USAGE', 'from the command line only the JWT bearer flow connects (--jwt); admins connect through the app at /oauth/salesforce/start');
  }
  const app = salesforceAppFromEnv(process.env);
  if (!app) throw new LeadscoreError('CONFIG_INVALID', 'SALESFORCE_CLIENT_ID is not set: create a Connected App and set SALESFORCE_CLIENT_ID, SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY');
  const tokens = await jwtBearerTokens(app);
  const db = await openDatabase(config.database, 'leadscore connect salesforce');
  try {
    await migrate(db);
    const result = await connectSalesforce(db, loadVault(config.encryptionKey, config.dataDir), app, args.tenant, tokens);
    if (args.json) out(JSON.stringify(result, null, 2) + '\n');
    else {
      out(`Connected Salesforce org ${result.orgId} (${result.instanceUrl}) to tenant "${args.tenant}" as ${result.connectionId}.\n`);
      for (const p of result.provisioning.filter((p) => p.status === 'created')) out(`Created ${p.field} (access: ${p.access ?? 'not granted'})\n`);
      const missing = result.provisioning.filter((p) => p.status === 'failed' || p.status === 'skipped');
      out(missing.length ? `Missing fields (install the Leadscore package or create them):\n${missing.map((p) => `  ${p.field}: ${p.reason ?? ''}`).join('\n')}\n` : 'Every Leadscore field exists on Lead and Contact.\n');
      if (result.unmappedFields.length) out(`The field mapping names fields this org lacks (not read):\n${result.unmappedFields.map((f) => `  ${f}`).join('\n')}\n`);
    }
    return EXIT.ok;
  } finally {
    await db.close();
  }
}

/** `leadscore sync --tenant T [--full]`: sync the tenant's CRM connections, then rescore what changed. */
export async function runSync(config: Config, args: { tenant: TenantId; full: boolean; json: boolean }, out: (text: string) => void): Promise<number> {
  const salesforce = salesforceAppFromEnv(process.env);
  // HubSpot needs no OAuth app for portals connected with a private app token.
  const hubspot = hubspotAppFromEnv(process.env);
  const db = await openDatabase(config.database, 'leadscore sync');
  const models = tenantModelSource(db, config.dataDir, { defaultDir: SHIPPED_DEFAULT_MODEL });
  try {
    await migrate(db);
    const vault = loadVault(config.encryptionKey, config.dataDir);
    const reports = [
      ...(salesforce ? await syncSalesforce(db, vault, salesforce, models, args.tenant, { full: args.full }) : []),
      ...(await syncHubspot(db, vault, hubspot, models, args.tenant, { full: args.full })),
    ];
    if (args.json) out(JSON.stringify({ tenant: args.tenant, connections: reports }, null, 2) + '\n');
    else if (reports.length === 0) out(`Tenant "${args.tenant}" has no CRM connection; connect one first (leadscore connect salesforce --jwt, leadscore connect hubspot --token).\n`);
    else {
      for (const r of reports) {
        if (r.status !== 'synced') out(`${r.connectionId}: ${r.status}: ${r.error}\n`);
        else {
          const s = r.streams!;
          out(
            `${r.connectionId}: leads +${s.leads.inserted} ~${s.leads.updated}, activities +${s.activities.inserted}, outcomes +${s.outcomes.inserted} ~${s.outcomes.updated}; ` +
              `${r.rejections} rejected; rescored ${r.rescored!.leads} (${r.rescored!.changed} changed, ${r.rescored!.writes} write jobs)\n`,
          );
          const extra = r as { retractedOutcomes?: number; warnings?: string[] };
          if (extra.retractedOutcomes) out(`  ${extra.retractedOutcomes} outcomes retracted: the CRM shows those leads open again (un-converted or reopened); see the audit log\n`);
          for (const w of extra.warnings ?? []) out(`  warning: ${w}\n`);
        }
      }
    }
    return reports.some((r) => r.status !== 'synced') ? EXIT.rejectedRows : EXIT.ok;
  } finally {
    await models.close();
    await db.close();
  }
}

/** `leadscore writeback --tenant T`: send pending score writes to the tenant's Salesforce org. */
export async function runWriteback(config: Config, args: { tenant: TenantId; json: boolean }, out: (text: string) => void): Promise<number> {
  const app = salesforceAppFromEnv(process.env);
  if (!app) throw new LeadscoreError('CONFIG_INVALID', 'SALESFORCE_CLIENT_ID is not set, so there is no CRM to write to');
  const db = await openDatabase(config.database, 'leadscore writeback');
  try {
    await migrate(db);
    const report = await writebackSalesforce(db, loadVault(config.encryptionKey, config.dataDir), app, args.tenant);
    if (args.json) out(JSON.stringify({ tenant: args.tenant, ...(report ?? { connectionId: null }) }, null, 2) + '\n');
    if (!report) {
      if (!args.json) out(`Tenant "${args.tenant}" has no active Salesforce connection.\n`);
      return EXIT.ok;
    }
    if (!args.json) {
      out(`${report.connectionId}: ${report.sent} written in ${report.calls} call${report.calls === 1 ? '' : 's'}, ${report.superseded} superseded, ${report.failed} refused (see the dead-letter list), ${report.retryLater} to retry.\n`);
      for (const e of report.errors) out(`  ${e}\n`);
    }
    return report.failed > 0 ? EXIT.rejectedRows : EXIT.ok;
  } finally {
    await db.close();
  }
}
