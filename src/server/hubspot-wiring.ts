import type { Router } from 'express';
import type { HubSpotApp } from '../../connectors/hubspot/index.js';
import type { Vault } from '../config/secrets.js';
import { LeadscoreError, type TenantId } from '../domain/index.js';
import type { Database } from '../store/index.js';
import type { HubSpotWebhookProcessor } from './hubspot-events.js';
import { hubspotOAuthRouter } from './hubspot-oauth-routes.js';
import { hubspotWebhookRouter } from './hubspot-webhook-route.js';

/**
 * The HubSpot routes this configuration allows: the install flow with an OAuth app
 * (HUBSPOT_CLIENT_ID), webhooks with a client secret to check their signatures. Both need
 * PUBLIC_URL (the redirect URI, and the URI HubSpot signs): without it the start stops here.
 */
export function hubspotRoutes(deps: { db: Database; vault: Vault; app: HubSpotApp; processor: HubSpotWebhookProcessor; onConnected: (tenant: TenantId) => void }): Router[] {
  const { app } = deps;
  if (!app.clientSecret) return [];
  if (!app.publicUrl) throw new LeadscoreError('CONFIG_INVALID', 'PUBLIC_URL: is required with HUBSPOT_CLIENT_SECRET (the OAuth redirect and the webhook signatures are built from it)');
  const routers = [hubspotWebhookRouter({ db: deps.db, app: { ...app, clientSecret: app.clientSecret, publicUrl: app.publicUrl }, processor: deps.processor })];
  if (app.clientId) routers.push(hubspotOAuthRouter(deps));
  return routers;
}
