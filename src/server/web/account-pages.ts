import express, { Router } from 'express';
import { installUrl } from '../../../connectors/hubspot/index.js';
import { authorizationUrl, loginHostFor } from '../../../connectors/salesforce/index.js';
import { signState } from '../../crm/salesforce-connect.js';
import { API_SCOPES, apiCallsLastDay, createApiKey, latestImportRun, listApiKeys, listConnections, listWebUsers, revokeApiKey, setWebUserRole, syncCursorTimes, writeCountsBySource, type ApiScope } from '../../store/index.js';
import { sendPage, tenantOf, isAdmin, type WebDeps } from './context.js';
import { HEALTH_HEAD, healthRow } from './connection-health.js';
import { checked, csrfField, list, text } from './forms.js';
import { formatDate, html } from './html.js';
import { requireAdmin } from './security.js';
import { realtimeStatus } from './realtime-status.js';
import { connectionSource } from '../../domain/index.js';


/** Connections with their health, API keys, and the people who can sign in with their roles. */
export function accountRouter(deps: WebDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });

  router.get('/connections', async (req, res, next) => {
    try {
      const tenant = tenantOf(req);
      const [connections, cursors, writes, lastImport, calls] = await Promise.all([
        listConnections(deps.db, tenant),
        syncCursorTimes(deps.db, tenant),
        writeCountsBySource(deps.db, tenant),
        latestImportRun(deps.db, tenant),
        apiCallsLastDay(deps.db, tenant),
      ]);
      const admin = isAdmin(req);
      const sfReady = Boolean(deps.salesforce?.redirectUri);
      const hsReady = Boolean(deps.hubspot?.clientId && deps.hubspot.clientSecret && deps.hubspot.publicUrl);
      const rows = connections.map((c) =>
        healthRow(c, {
          lastCursorAt: cursors.get(c.id)?.lastCursorAt ?? null,
          writes: writes.get(connectionSource(c.kind, c.externalAccountId)) ?? writes.get(c.kind) ?? null,
          callsLastDay: calls.get(c.id) ?? null,
          realtime: realtimeStatus(c.kind, (c.settings as Record<string, unknown>).realtime),
        }),
      );
      sendPage(req, res, deps, {
        title: 'Connections',
        active: '/app/connections',
        body: html`<section class="card"><h2>Connect a CRM</h2>
${admin
  ? html`<div class="row">
<form method="post" action="/app/connect/salesforce" class="inline">${csrfField(req.web!.csrfToken)}<select name="environment" aria-label="Salesforce environment"><option value="production">production</option><option value="sandbox">sandbox</option></select> <button type="submit"${sfReady ? '' : ' disabled'}>Connect Salesforce</button></form>
<form method="post" action="/app/connect/hubspot" class="inline">${csrfField(req.web!.csrfToken)}<button type="submit"${hsReady ? '' : ' disabled'}>Connect HubSpot</button></form></div>
${sfReady && hsReady ? '' : html`<p class="muted">${sfReady ? '' : 'Salesforce needs SALESFORCE_CLIENT_ID and PUBLIC_URL on the server. '}${hsReady ? '' : 'HubSpot needs HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET and PUBLIC_URL.'}</p>`}`
  : html`<p class="muted">Only admins connect CRMs.</p>`}
</section>
<section class="card"><h2>Health</h2>
${connections.length ? html`<table class="data">${HEALTH_HEAD}<tbody>${rows}</tbody></table>` : html`<p class="muted">No CRM is connected.</p>`}
<p>Last CSV import: ${lastImport ? `${lastImport.status}, ${formatDate(lastImport.startedAt)}` : 'none'}.</p></section>`,
      });
    } catch (err) {
      next(err);
    }
  });

  // The same consent pages as /oauth/*/start, reached with the session instead of an API key; the CRMs return to the existing callbacks.
  router.post('/connect/salesforce', form, requireAdmin, (req, res, next) => {
    try {
      if (!deps.salesforce?.redirectUri) return void res.status(409).type('text/plain').send('Salesforce is not configured on this server (SALESFORCE_CLIENT_ID and PUBLIC_URL).');
      const loginUrl = loginHostFor(deps.salesforce, text((req.body as Record<string, unknown>).environment) === 'sandbox' ? 'sandbox' : 'production');
      res.redirect(303, authorizationUrl(deps.salesforce, loginUrl, signState(deps.vault, tenantOf(req), loginUrl)));
    } catch (err) {
      next(err);
    }
  });

  router.post('/connect/hubspot', form, requireAdmin, (req, res, next) => {
    try {
      if (!deps.hubspot?.clientId || !deps.hubspot.publicUrl) return void res.status(409).type('text/plain').send('HubSpot is not configured on this server (HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET and PUBLIC_URL).');
      // "hubspot" marks the state as a HubSpot install, as the install route does.
      res.redirect(303, installUrl(deps.hubspot, signState(deps.vault, tenantOf(req), 'hubspot')));
    } catch (err) {
      next(err);
    }
  });

  const keysPage = async (req: express.Request, res: express.Response, created: { key: string; scopes: string[] } | null, flash: { kind: 'ok' | 'error'; text: string } | null, status = 200) => {
    const keys = await listApiKeys(deps.db, tenantOf(req));
    const admin = isAdmin(req);
    sendPage(req, res, deps, {
      title: 'API keys',
      active: '/app/api-keys',
      status,
      flash,
      body: html`${created ? html`<section class="card" id="new-key"><h2>New key</h2><p>Copy it now: it is shown this once and only its hash is kept.</p><p class="key-once" data-new-key>${created.key}</p><p class="muted">Scopes: ${created.scopes.join(', ')}</p></section>` : ''}
${admin ? html`<form method="post" action="/app/api-keys" class="card"><h2>Create a key</h2>${csrfField(req.web!.csrfToken)}
<div class="row"><label>Label <input name="label" maxlength="100" required placeholder="e.g. Salesforce card"></label>
<fieldset><legend>Scopes</legend>${API_SCOPES.map((s) => html`<label class="inline-check"><input type="checkbox" name="scopes" value="${s}"${checked(s === 'scores:read')}> ${s}</label>`)}</fieldset>
<button type="submit">Create</button></div></form>` : ''}
<section class="card"><h2>Keys</h2><table class="data"><thead><tr><th scope="col">Id</th><th scope="col">Label</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Status</th><th scope="col"></th></tr></thead><tbody>
${keys.map(
  (k) => html`<tr data-key="${k.keyId}"><td><code>ls_${k.keyId}_…</code></td><td>${k.label}</td><td>${k.scopes.join(', ')}</td><td>${formatDate(k.createdAt)}</td><td>${k.revokedAt ? `revoked ${formatDate(k.revokedAt)}` : 'active'}</td>
<td>${admin && !k.revokedAt ? html`<form method="post" action="/app/api-keys/${k.keyId}/revoke" class="inline">${csrfField(req.web!.csrfToken)}<button type="submit" class="danger">Revoke</button></form>` : ''}</td></tr>`,
)}</tbody></table></section>`,
    });
  };

  router.get('/api-keys', async (req, res, next) => {
    try {
      await keysPage(req, res, null, null);
    } catch (err) {
      next(err);
    }
  });

  router.post('/api-keys', form, requireAdmin, async (req, res, next) => {
    try {
      const body = req.body as Record<string, unknown>;
      const label = text(body.label).slice(0, 100);
      const scopes = list(body.scopes).filter((s): s is ApiScope => (API_SCOPES as readonly string[]).includes(s));
      if (!label || scopes.length === 0) return await keysPage(req, res, null, { kind: 'error', text: 'Give the key a label and at least one scope.' }, 400);
      const { key } = await createApiKey(deps.db, tenantOf(req), scopes, `${label} (by ${req.web!.user.displayName})`.slice(0, 200));
      req.log.info('API key created from the web app', { scopes });
      await keysPage(req, res, { key, scopes }, { kind: 'ok', text: 'Key created.' });
    } catch (err) {
      next(err);
    }
  });

  router.post('/api-keys/:keyId/revoke', form, requireAdmin, async (req, res, next) => {
    try {
      const keyId = (req.params as { keyId: string }).keyId;
      const done = await revokeApiKey(deps.db, tenantOf(req), keyId);
      await keysPage(req, res, null, done ? { kind: 'ok', text: `Key ls_${keyId}_… is revoked; it stops working within a minute.` } : { kind: 'error', text: `No active key ${keyId}.` }, done ? 200 : 404);
    } catch (err) {
      next(err);
    }
  });

  const usersPage = async (req: express.Request, res: express.Response, flash: { kind: 'ok' | 'error'; text: string } | null, status = 200) => {
    const users = await listWebUsers(deps.db, tenantOf(req));
    const admin = isAdmin(req);
    sendPage(req, res, deps, {
      title: 'Users',
      active: '/app/users',
      status,
      flash,
      body: html`<section class="card"><p class="muted">Everyone who signed in to this account. Admins change settings; viewers see them.</p>
<table class="data"><thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Signed in</th><th scope="col">Role</th></tr></thead><tbody>
${users.map(
  (u) => html`<tr><td>${u.displayName} <span class="muted">${u.userKey}</span></td><td>${u.email ?? ''}</td><td>${formatDate(u.lastSignInAt)}</td>
<td>${admin ? html`<form method="post" action="/app/users/role" class="inline">${csrfField(req.web!.csrfToken)}<input type="hidden" name="user" value="${u.userKey}"><select name="role" aria-label="Role of ${u.displayName}"><option value="admin"${u.role === 'admin' ? ' selected' : ''}>admin</option><option value="viewer"${u.role === 'viewer' ? ' selected' : ''}>viewer</option></select> <button type="submit" class="secondary">Change</button></form>` : u.role}</td></tr>`,
)}</tbody></table></section>`,
    });
  };

  router.get('/users', async (req, res, next) => {
    try {
      await usersPage(req, res, null);
    } catch (err) {
      next(err);
    }
  });

  router.post('/users/role', form, requireAdmin, async (req, res, next) => {
    try {
      const body = req.body as Record<string, unknown>;
      const role = text(body.role);
      if (role !== 'admin' && role !== 'viewer') return await usersPage(req, res, { kind: 'error', text: 'Role must be admin or viewer.' }, 400);
      try {
        const done = await setWebUserRole(deps.db, tenantOf(req), text(body.user), role);
        if (!done) return await usersPage(req, res, { kind: 'error', text: 'No such user in this account.' }, 404);
      } catch (err) {
        return await usersPage(req, res, { kind: 'error', text: (err as Error).message }, 409);
      }
      req.log.info('web role changed', { user: text(body.user), role });
      await usersPage(req, res, { kind: 'ok', text: `Role changed to ${role}.` });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
