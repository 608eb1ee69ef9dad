import express, { Router } from 'express';
import { actionFor, signedUri, verifySignatureV3, WebhookBatchSchema, type HubSpotApp, type WebhookEvent } from '../../connectors/hubspot/index.js';
import type { TenantId } from '../domain/index.js';
import { connectionsForAccount, enqueueWebhookEvents, type Database } from '../store/index.js';
import type { HubSpotWebhookProcessor } from './hubspot-events.js';

/** What an event keeps once stored: enough to act on it, never a changed property's value. */
function storedPayload(e: WebhookEvent): Record<string, unknown> {
  const { propertyValue: _value, ...rest } = e;
  return rest;
}

/**
 * POST /webhooks/hubspot: checks signature v3 against the raw body and the URI rebuilt from
 * PUBLIC_URL, stores the batch's events for their portals' tenants (an event already stored is
 * a duplicate) and answers at once; the processor does the work. Events of a portal no tenant
 * owns are acknowledged and logged, so HubSpot does not retry them forever.
 */
export function hubspotWebhookRouter(deps: { db: Database; app: HubSpotApp & { clientSecret: string; publicUrl: string }; processor: HubSpotWebhookProcessor }): Router {
  const router = Router();
  router.post('/webhooks/hubspot', express.raw({ type: () => true, limit: '2mb' }), async (req, res, next) => {
    try {
      const rawBody = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      const check = verifySignatureV3(deps.app.clientSecret, {
        method: req.method,
        uri: signedUri(deps.app.publicUrl, req.originalUrl),
        rawBody,
        signature: req.get('x-hubspot-signature-v3'),
        timestamp: req.get('x-hubspot-request-timestamp'),
      });
      if (!check.ok) {
        req.log.warn('hubspot webhook refused', { reason: check.reason });
        res.status(401).json({ error: { code: 'UNAUTHENTICATED', message: `not a request signed by HubSpot: ${check.reason}` } });
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(rawBody);
      } catch (err) {
        res.status(400).json({ error: { code: 'MALFORMED_JSON', message: `the webhook body is not JSON: ${(err as Error).message}` } });
        return;
      }
      const parsed = WebhookBatchSchema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        res.status(400).json({ error: { code: 'INVALID_REQUEST', message: `the webhook body is not a batch of HubSpot events: [${issue.path.join('.')}] ${issue.message}` } });
        return;
      }
      const byPortal = new Map<string, WebhookEvent[]>();
      for (const e of parsed.data) byPortal.set(e.portalId, [...(byPortal.get(e.portalId) ?? []), e]);
      const answer = { received: parsed.data.length, queued: 0, duplicates: 0, ignored: 0 };
      const tenants = new Set<TenantId>();
      for (const [portalId, events] of byPortal) {
        const owner = (await connectionsForAccount(deps.db, 'hubspot', portalId)).find((c) => c.status !== 'disconnected');
        if (!owner) {
          req.log.info('hubspot webhook for a portal no tenant owns; acknowledged and ignored', { portalId, events: events.length });
          answer.ignored += events.length;
          continue;
        }
        // A portal that uninstalled the app: only privacy deletions are kept (its data is still held until the retention period ends).
        const kept = owner.status === 'uninstalled' ? events.filter((e) => actionFor(e).action === 'privacy_delete') : events;
        if (kept.length < events.length) {
          req.log.info('hubspot webhook for a portal that uninstalled the app; acknowledged and ignored', { portalId, events: events.length - kept.length });
          answer.ignored += events.length - kept.length;
        }
        if (kept.length === 0) continue;
        const stored = await enqueueWebhookEvents(
          deps.db,
          owner.tenantId,
          kept.map((e) => ({ connectionId: owner.connectionId, accountId: portalId, eventId: e.eventId, subscriptionType: e.subscriptionType, objectId: e.objectId ?? null, occurredAt: new Date(e.occurredAt), payload: storedPayload(e) })),
        );
        answer.queued += stored.queued;
        answer.duplicates += stored.duplicates;
        tenants.add(owner.tenantId);
      }
      res.json(answer);
      for (const t of tenants) deps.processor.kick(t);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
