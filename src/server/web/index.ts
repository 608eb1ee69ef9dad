import { modelsRouter } from './models-page.js';
import fs from 'node:fs';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { isLeadscoreError } from '../../domain/index.js';
import { accountRouter } from './account-pages.js';
import { authRouter } from './auth-routes.js';
import { sendPage, type WebDeps } from './context.js';
import { html } from './html.js';
import { leadRouter } from './lead-pages.js';
import { opsRouter } from './ops-pages.js';
import { routingRouter } from './routing-page.js';
import { checkCsrf, loadSession, requireSignIn, securityHeaders } from './security.js';
import { settingsRouter } from './settings-pages.js';
import { tiersRouter } from './tiers-page.js';

export type { WebDeps } from './context.js';
export { layout, NAV, type LayoutModel, type NavItem } from './layout.js';
export { renderLeadCard, probabilityInWords, sparkline, type LeadCardModel } from './lead-card.js';

/** The stylesheet and the preview script, read once; they travel beside this module (copied into dist by the build). */
const ASSETS: Record<string, { type: string; body: Buffer }> = {
  'app.css': { type: 'text/css; charset=utf-8', body: fs.readFileSync(new URL('./assets/app.css', import.meta.url)) },
  'preview.js': { type: 'text/javascript; charset=utf-8', body: fs.readFileSync(new URL('./assets/preview.js', import.meta.url)) },
  'routing.js': { type: 'text/javascript; charset=utf-8', body: fs.readFileSync(new URL('./assets/routing.js', import.meta.url)) },
};

/**
 * The web settings app, mounted at /app: sign-in, then tiers with a live preview, routing rules
 * with a simulation, lead lookup, connections, field mappings, schedules, API keys, dead letters,
 * audit log and users. Server-rendered HTML; every POST needs the session's CSRF token and every
 * change an admin.
 */
export function webRouter(deps: WebDeps): Router {
  const router = Router();
  router.use(securityHeaders);

  router.get('/assets/:name', (req, res) => {
    const asset = ASSETS[(req.params as { name: string }).name];
    if (!asset) return void res.status(404).type('text/plain').send('no such asset');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type(asset.type).send(asset.body);
  });

  router.use(loadSession(deps.db));
  router.use(authRouter(deps));

  // Everything below needs a signed-in person, and every POST the session's CSRF token. The token
  // is read from the form body, so forms are parsed before the check.
  router.use(requireSignIn);
  router.use(express.urlencoded({ extended: false, limit: '512kb' }), checkCsrf);
  router.get('/', (_req, res) => res.redirect(303, '/app/tiers'));
  router.use(tiersRouter(deps));
  router.use(modelsRouter(deps));
  router.use(routingRouter(deps));
  router.use(leadRouter(deps));
  router.use(settingsRouter(deps));
  router.use(accountRouter(deps));
  router.use(opsRouter(deps));

  router.use((req: Request, res: Response) => {
    sendPage(req, res, deps, { title: 'Not found', status: 404, body: html`<p>There is no page at <code>${req.originalUrl}</code>.</p><p><a href="/app">Back to the app</a></p>` });
  });
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (isLeadscoreError(err, 'SETTINGS_INVALID')) {
      return sendPage(req, res, deps, { title: 'Not saved', status: 409, flash: { kind: 'error', text: err.message }, body: html`<p><a href="${req.originalUrl}">Reload the page</a> to see the settings in force, then make your change again.</p>` });
    }
    const http = err as { type?: string; status?: number };
    if (http.type === 'entity.too.large') return void res.status(413).type('text/plain').send('The form is too large.');
    req.log.error('web app request failed', { error: err, stack: (err as Error)?.stack });
    sendPage(req, res, deps, { title: 'Something went wrong', status: 500, body: html`<p>The server log has the details (request id <code>${req.id}</code>).</p>` });
  });
  return router;
}
