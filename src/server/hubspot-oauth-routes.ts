import { Router } from 'express';
import { exchangeCode, installUrl, type HubSpotApp } from '../../connectors/hubspot/index.js';
import type { Vault } from '../config/secrets.js';
import { isLeadscoreError, type TenantId } from '../domain/index.js';
import type { Database } from '../store/index.js';
import { apiKeyAuth } from './api/auth.js';
import { ApiError } from './api/errors.js';
import { connectHubspot } from '../crm/hubspot-connect.js';
import { signState, verifyState } from '../crm/salesforce-connect.js';

/** Marks OAuth states issued for HubSpot, so a Salesforce state cannot complete a HubSpot install. */
const STATE_MARK = 'hubspot';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string) =>
  `<!doctype html><meta charset="utf-8"><title>${escape(title)}</title><body style="font-family:system-ui;max-width:40rem;margin:3rem auto"><h1>${escape(title)}</h1>${body}</body>`;

/**
 * The marketplace install. /oauth/hubspot/install (an admin API key) sends the browser to
 * HubSpot's install page with the app's scopes and a signed state naming the tenant;
 * /oauth/hubspot/callback trades the code for tokens, stores them sealed per portal, provisions
 * the Leadscore properties and starts the first backfill (`onConnected`).
 */
export function hubspotOAuthRouter(deps: { db: Database; vault: Vault; app: HubSpotApp; onConnected?: (tenant: TenantId) => void }): Router {
  const router = Router();
  const requireScope = apiKeyAuth(deps.db);

  router.get('/oauth/hubspot/install', requireScope('admin'), (req, res) => {
    const url = installUrl(deps.app, signState(deps.vault, req.auth!.tenant, STATE_MARK));
    if (req.accepts(['html', 'json']) === 'json') res.json({ install_url: url });
    else res.redirect(302, url);
  });

  router.get('/oauth/hubspot/callback', async (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    if (q.error) {
      res.status(400).type('html').send(page('HubSpot did not connect', `<p>HubSpot said: ${escape(q.error_description ?? q.error)}</p>`));
      return;
    }
    try {
      if (!q.code || !q.state) throw new ApiError(400, 'INVALID_REQUEST', 'the callback needs code and state');
      const state = verifyState(deps.vault, q.state);
      if (state.loginUrl !== STATE_MARK) throw new ApiError(400, 'INVALID_REQUEST', 'the OAuth state was not issued for a HubSpot install');
      const tokens = await exchangeCode(deps.app, q.code);
      const result = await connectHubspot(deps.db, deps.vault, deps.app, state.tenant, tokens);
      req.log.info('hubspot connected', { tenant: state.tenant, hubId: result.hubId, created: result.properties.created.length });
      deps.onConnected?.(state.tenant);
      const created = result.properties.created.length ? `<p>Created the contact properties ${result.properties.created.map((p) => `<code>${escape(p)}</code>`).join(', ')}.</p>` : '<p>Every Leadscore contact property was already there.</p>';
      res.type('html').send(page('HubSpot connected', `<p>Portal <code>${escape(result.hubId)}</code> is connected to tenant <code>${escape(state.tenant)}</code>; the first sync has started.</p>${created}`));
    } catch (err) {
      const status = err instanceof ApiError ? err.status : isLeadscoreError(err, 'INPUT_INVALID') ? 400 : isLeadscoreError(err) && err.code.startsWith('CRM_') ? 502 : 500;
      if (status === 500) req.log.error('hubspot callback failed', { error: err });
      res.status(status).type('html').send(page('HubSpot did not connect', `<p>${escape(status === 500 ? 'Something went wrong; the server log has the details.' : (err as Error).message)}</p>`));
    }
  });
  return router;
}
