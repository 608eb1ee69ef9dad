// The HubSpot connector: marketplace OAuth and private app tokens, API calls within the portal's
// rate limits, property provisioning, the incremental source, the batched sink, and webhook checks.
import { z } from 'zod';
import { LeadscoreError, registerConnector, type Connector } from '../../src/domain/index.js';
import { HubSpotApi } from './api.js';
import { HubSpotSink } from './sink.js';
import { HubSpotSource } from './source.js';
export * from './options.js';
export { HubSpotApi, type HubSpotApiOptions, type HubSpotRequest } from './api.js';
export { HubSpotRequestError } from './errors.js';
export { HubSpotUsage, type HubSpotDailyLimit } from './usage.js';
export { PortalLimiter, SlidingWindow, realClock, type Clock, type RateWindow } from './limiter.js';
export { exchangeCode, HubSpotGrantRevokedError, installUrl, privateAppTokens, refreshTokens, type HubSpotTokens } from './oauth.js';
export { archivedContactIds, CONTACT_PROPERTIES, employeeCount, readContacts, toLead } from './contacts.js';
export { DEFAULT_ACTIVITY_TYPES } from './activities.js';
export { outcomeFor } from './outcomes.js';
export { SEARCH_PAGE, searchModified, type ModifiedSearch } from './search.js';
export { PROPERTY_GROUP, provisionProperties, type ProvisionResult } from './properties.js';
export { HubSpotSource, type HubSpotSourceOptions } from './source.js';
export { HubSpotSink } from './sink.js';
export { actionFor, signatureV3, signedUri, verifySignatureV3, WebhookBatchSchema, type EventAction, type WebhookEvent } from './webhooks.js';

const HubSpotConnectorOptions = z.object({
  api: z.custom<HubSpotApi>((v) => v instanceof HubSpotApi, 'an open HubSpot API session'),
  activityTypes: z.record(z.string().min(1), z.string().min(1)).optional(),
  disqualifiedStatuses: z.array(z.string().min(1)).optional(),
  overlapSeconds: z.number().int().min(0).max(86_400).optional(),
});

export const hubspotConnector = {
  kind: 'hubspot' as const,
  create(options: unknown): Connector {
    const parsed = HubSpotConnectorOptions.safeParse(options);
    if (!parsed.success) throw new LeadscoreError('CONNECTOR_OPTIONS_INVALID', `hubspot connector: ${z.prettifyError(parsed.error)}`);
    const { api, ...sourceOptions } = parsed.data;
    return { kind: 'hubspot', source: new HubSpotSource(api, sourceOptions), sink: new HubSpotSink(api), close: async () => undefined };
  },
};

registerConnector(hubspotConnector);
