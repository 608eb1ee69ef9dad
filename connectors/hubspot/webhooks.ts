import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** HubSpot rejects nothing older; neither do we accept anything older (nor as far in the future). */
export const MAX_SIGNATURE_AGE_MS = 5 * 60_000;

/**
 * The URI HubSpot signed: the public base URL (PUBLIC_URL, as HubSpot was told) plus the path and
 * query as received, with the characters HubSpot's documentation lists decoded (%3A to ":" etc.).
 */
export function signedUri(publicUrl: string, originalUrl: string): string {
  const decoded: Record<string, string> = { '%3A': ':', '%2F': '/', '%3F': '?', '%40': '@', '%21': '!', '%24': '$', '%27': "'", '%28': '(', '%29': ')', '%2A': '*', '%2C': ',', '%3B': ';' };
  const path = originalUrl.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => decoded[m.toUpperCase()]!);
  return `${publicUrl.replace(/\/+$/, '')}${path}`;
}

/** Signature v3: base64 of HMAC-SHA256(client secret, method + URI + raw body + timestamp). */
export function signatureV3(clientSecret: string, method: string, uri: string, rawBody: string, timestamp: string): string {
  return createHmac('sha256', clientSecret).update(`${method}${uri}${rawBody}${timestamp}`, 'utf8').digest('base64');
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** Check X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp, comparing in constant time. */
export function verifySignatureV3(
  clientSecret: string,
  req: { method: string; uri: string; rawBody: string; signature: string | undefined; timestamp: string | undefined },
  now = Date.now(),
): SignatureCheck {
  if (!req.signature || !req.timestamp) return { ok: false, reason: 'the X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp header is missing' };
  if (!/^\d{1,15}$/.test(req.timestamp)) return { ok: false, reason: 'X-HubSpot-Request-Timestamp is not a time in milliseconds' };
  const age = now - Number(req.timestamp);
  if (age > MAX_SIGNATURE_AGE_MS || age < -MAX_SIGNATURE_AGE_MS) {
    return { ok: false, reason: `the request is stamped ${Math.round(age / 1000)} s from now; more than 5 minutes either way is refused (a replay or a wrong clock)` };
  }
  const expected = Buffer.from(signatureV3(clientSecret, req.method.toUpperCase(), req.uri, req.rawBody, req.timestamp));
  const given = Buffer.from(req.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'the signature does not match this request and the app secret' };
  return { ok: true };
}

const id = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String);

/** One event of a webhook batch, as HubSpot sends it (unknown fields are kept out). */
export const WebhookEventSchema = z.object({
  eventId: id,
  subscriptionId: id.optional(),
  portalId: id,
  appId: id.optional(),
  occurredAt: z.number(),
  subscriptionType: z.string().min(1),
  attemptNumber: z.number().optional(),
  objectId: id.optional(),
  objectTypeId: z.string().optional(),
  propertyName: z.string().optional(),
  propertyValue: z.string().optional(),
  changeSource: z.string().optional(),
  primaryObjectId: id.optional(),
  mergedObjectIds: z.array(id).optional(),
  /** App lifecycle events (subscription type APP_LIFECYCLE_EVENT) name what happened: APP_INSTALL, APP_UNINSTALL. */
  action: z.string().optional(),
});
export type WebhookEvent = z.infer<typeof WebhookEventSchema>;
export const WebhookBatchSchema = z.array(WebhookEventSchema).min(1);

export type EventAction =
  | { action: 'refresh'; contactIds: string[] }
  | { action: 'delete'; contactIds: string[] }
  | { action: 'privacy_delete'; contactIds: string[] }
  | { action: 'merge'; keep: string; removed: string[] }
  | { action: 'uninstall' }
  | { action: 'ignore'; why: string }
  | { action: 'unknown'; why: string };

/**
 * What an event asks of Leadscore. The app's uninstall arrives as an app lifecycle event
 * (APP_LIFECYCLE_EVENT with action APP_UNINSTALL, as HubSpot's webhook subscriptions name it). Both the legacy names (contact.creation) and the generic
 * object events for contacts (object.creation with objectTypeId 0-1) are understood.
 */
export function actionFor(event: WebhookEvent): EventAction {
  if (event.subscriptionType.toUpperCase() === 'APP_LIFECYCLE_EVENT') {
    const what = (event.action ?? '').toUpperCase();
    if (what === 'APP_UNINSTALL') return { action: 'uninstall' };
    if (what === 'APP_INSTALL') return { action: 'ignore', why: 'an install is completed by the OAuth callback' };
    return { action: 'unknown', why: `app lifecycle event ${event.action ?? '(without an action)'} is not one Leadscore handles` };
  }
  const [object, change] = event.subscriptionType.split('.') as [string, string | undefined];
  const isContact = object === 'contact' || (object === 'object' && event.objectTypeId === '0-1');
  if (!isContact) return { action: 'unknown', why: `subscription type ${event.subscriptionType}${event.objectTypeId ? ` (object type ${event.objectTypeId})` : ''} is not one Leadscore handles` };
  const ids = event.objectId ? [event.objectId] : [];
  switch (change) {
    case 'creation':
    case 'propertyChange':
    case 'restore':
      return ids.length ? { action: 'refresh', contactIds: ids } : { action: 'unknown', why: `${event.subscriptionType} without an objectId` };
    case 'deletion':
      return { action: 'delete', contactIds: ids };
    case 'privacyDeletion':
      return { action: 'privacy_delete', contactIds: ids };
    case 'merge':
      if (!event.primaryObjectId) return { action: 'unknown', why: 'contact.merge without a primaryObjectId' };
      return { action: 'merge', keep: event.primaryObjectId, removed: (event.mergedObjectIds ?? []).filter((m) => m !== event.primaryObjectId) };
    case 'associationChange':
      return { action: 'ignore', why: 'association changes are read by the next sync' };
    default:
      return { action: 'unknown', why: `subscription type ${event.subscriptionType} is not one Leadscore handles` };
  }
}
