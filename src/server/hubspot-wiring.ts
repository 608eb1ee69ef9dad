import type { Router } from 'express';
import type { HubSpotApp } from '../../connectors/hubspot/index.js';
import type { Vault } from '../config/secrets.js';
import { LeadscoreError, type TenantId } from '../domain/index.js';
import type { ModelSource } from '../scoring/rescore.js';
import type { Database } from '../store/index.js';
import type { HubSpotWebhookProcessor } from './hubspot-events.js';
import { hubspotOAuthRouter } from './hubspot-oauth-routes.js';
import { hubspotUiRouter } from './hubspot-ui-routes.js';
import { hubspotWebhookRouter } from './hubspot-webhook-route.js';

/**
 * The HubSpot routes this configuration allows: the install flow with an OAuth app
 * (HUBSPOT_CLIENT_ID), webhooks and the card and settings page calls (hubspot.fetch) with a
 * client secret to check their signatures. All need PUBLIC_URL (the redirect URI, and the URI
 * HubSpot signs): without it the start stops here.
 */
export function hubspotRoutes(deps: {
  db: Database;
  vault: Vault;
  app: HubSpotApp;
  processor: HubSpotWebhookProcessor;
  onConnected: (tenant: TenantId) => void;
  models: ModelSource;
  onSettingsSaved?: (tenant: TenantId) => Promise<void>;
}): Router[] {
  const { app } = deps;
  if (!app.clientSecret) return [];
  if (!app.publicUrl) throw new LeadscoreError('CONFIG_INVALID', 'PUBLIC_URL: is required with HUBSPOT_CLIENT_SECRET (the OAuth redirect and the webhook signatures are built from it)');
  const signing = { clientSecret: app.clientSecret, publicUrl: app.publicUrl };
  const routers = [
    hubspotWebhookRouter({ db: deps.db, app: { ...app, ...signing }, processor: deps.processor }),
    hubspotUiRouter({ db: deps.db, models: deps.models, app: signing, ...(deps.onSettingsSaved ? { onSettingsSaved: deps.onSettingsSaved } : {}) }),
  ];
  if (app.clientId) routers.push(hubspotOAuthRouter(deps));
  return routers;
}
