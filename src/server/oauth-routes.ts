import { Router } from 'express';
import { z } from 'zod';
import { authorizationUrl, exchangeCode, loginHostFor, type SalesforceApp } from '../../connectors/salesforce/index.js';
import type { Vault } from '../config/secrets.js';
import { isLeadscoreError } from '../domain/index.js';
import type { Database } from '../store/index.js';
import { apiKeyAuth } from './api/auth.js';
import { ApiError, parseBody } from './api/errors.js';
import { connectSalesforce, signState, verifyState } from '../crm/salesforce-connect.js';

const StartQuery = z.object({ environment: z.enum(['production', 'sandbox', 'mydomain']).default('production'), domain: z.string().max(255).optional() }).strict();

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string) =>
  `<!doctype html><meta charset="utf-8"><title>${escape(title)}</title><body style="font-family:system-ui;max-width:40rem;margin:3rem auto"><h1>${escape(title)}</h1>${body}</body>`;

/**
 * The Salesforce OAuth web server flow. /start (an admin API key) sends the browser to the org's
 * consent page (production, sandbox or My Domain) with a signed state naming the tenant;
 * /callback trades the code for tokens, stores them sealed, checks the Leadscore fields and says
 * exactly which are missing.
 */
export function salesforceOAuthRouter(deps: { db: Database; vault: Vault; app: SalesforceApp }): Router {
  const router = Router();
  const requireScope = apiKeyAuth(deps.db);

  router.get('/oauth/salesforce/start', requireScope('admin'), (req, res) => {
    const query = parseBody(StartQuery, req.query, 'query');
    let loginUrl: string;
    try {
      loginUrl = loginHostFor(deps.app, query.environment, query.domain);
    } catch (err) {
      throw new ApiError(400, 'INVALID_REQUEST', (err as Error).message, [{ field: 'domain', message: (err as Error).message }]);
    }
    const url = authorizationUrl(deps.app, loginUrl, signState(deps.vault, req.auth!.tenant, loginUrl));
    if (req.accepts(['html', 'json']) === 'json') res.json({ authorization_url: url });
    else res.redirect(302, url);
  });

  router.get('/oauth/salesforce/callback', async (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    if (q.error) {
      res.status(400).type('html').send(page('Salesforce did not connect', `<p>Salesforce said: ${escape(q.error_description ?? q.error)}</p>`));
      return;
    }
    try {
      if (!q.code || !q.state) throw new ApiError(400, 'INVALID_REQUEST', 'the callback needs code and state');
      const { tenant, loginUrl } = verifyState(deps.vault, q.state);
      const tokens = await exchangeCode(deps.app, loginUrl, q.code);
      const result = await connectSalesforce(deps.db, deps.vault, deps.app, tenant, tokens);
      req.log.info('salesforce connected', { tenant, orgId: result.orgId, missingFields: result.missingFields.length });
      const created = result.provisioning.filter((p) => p.status === 'created');
      const missing =
        (created.length ? `<p>Created with the Metadata API:</p><ul>${created.map((p) => `<li><code>${escape(p.field)}</code> (access: ${escape(p.access ?? 'not granted')})</li>`).join('')}</ul>` : '') +
        (result.missingFields.length
          ? `<p>These fields are missing; install the Leadscore package or create them, then check again:</p><ul>${result.provisioning
              .filter((p) => p.status === 'failed' || p.status === 'skipped')
              .map((p) => `<li><code>${escape(p.field)}</code>: ${escape(p.reason ?? '')}</li>`)
              .join('')}</ul>`
          : '<p>Every Leadscore field exists on Lead and Contact.</p>') +
        (result.unmappedFields.length ? `<p>The field mapping names fields this org lacks (they are not read):</p><ul>${result.unmappedFields.map((f) => `<li><code>${escape(f)}</code></li>`).join('')}</ul>` : '');
      res.type('html').send(page('Salesforce connected', `<p>Org <code>${escape(result.orgId)}</code> at ${escape(result.instanceUrl)} is connected to tenant <code>${escape(tenant)}</code>.</p>${missing}`));
    } catch (err) {
      const status = err instanceof ApiError ? err.status : isLeadscoreError(err, 'INPUT_INVALID') ? 400 : isLeadscoreError(err) && err.code.startsWith('CRM_') ? 502 : 500;
      if (status === 500) req.log.error('salesforce callback failed', { error: err });
      res.status(status).type('html').send(page('Salesforce did not connect', `<p>${escape(status === 500 ? 'Something went wrong; the server log has the details.' : (err as Error).message)}</p>`));
    }
  });
  return router;
}
