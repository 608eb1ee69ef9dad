// The Salesforce connector: OAuth (web server and JWT bearer flows), API sessions that renew
// their tokens, the field check of the connect step, the incremental source and the sink.
import { z } from 'zod';
import { LeadscoreError, registerConnector, type Connector } from '../../src/domain/index.js';
import { SalesforceSink as Sink } from './sink.js';
import { SalesforceSource as Source } from './source.js';
import type { SalesforceSession as Session } from './session.js';
export * from './options.js';
export { authorizationUrl, exchangeCode, jwtBearerTokens, type SalesforceTokens } from './oauth.js';
export { openSession, translate, type SalesforceSession, type SessionOptions } from './session.js';
export { checkLeadscoreFields, missingReadFields, provisionLeadscoreFields, ADMIN_PERMISSION_SET, FIELD_DEFINITIONS, type FieldCheck, type FieldProvision } from './fields.js';
export { SalesforceSource, type SalesforceSourceOptions, type SourceFieldMapping } from './source.js';
export { SalesforceBulkSink, toCsv, type BulkJobRegistry, type SalesforceBulkSinkOptions } from './bulk-ingest.js';
export { apiUsageOf, type SalesforceApiUsage } from './usage.js';
export * from './cdc.js';
export { longRunningGate, Semaphore, ORG_LONG_RUNNING_LIMIT, DEFAULT_LONG_RUNNING_LIMIT } from './long-running.js';
export { SalesforceSink, COLLECTION_LIMIT, TASK_KEY_FIELD, type SalesforceSinkOptions } from './sink.js';

const SalesforceConnectorOptions = z.object({
  session: z.custom<Session>((v) => typeof v === 'object' && v !== null && typeof (v as Session).get === 'function', 'an open Salesforce session'),
  overlapSeconds: z.number().int().min(0).max(86_400).optional(),
  disqualifiedStatuses: z.array(z.string().min(1)).optional(),
  lockRetries: z.number().int().min(0).max(10).optional(),
});

export const salesforceConnector = {
  kind: 'salesforce' as const,
  create(options: unknown): Connector {
    const parsed = SalesforceConnectorOptions.safeParse(options);
    if (!parsed.success) throw new LeadscoreError('CONNECTOR_OPTIONS_INVALID', `salesforce connector: ${z.prettifyError(parsed.error)}`);
    const { session, overlapSeconds, disqualifiedStatuses, lockRetries } = parsed.data;
    return {
      kind: 'salesforce',
      source: new Source(session, { ...(overlapSeconds !== undefined ? { overlapSeconds } : {}), ...(disqualifiedStatuses ? { disqualifiedStatuses } : {}) }),
      sink: new Sink(session, lockRetries !== undefined ? { lockRetries } : {}),
      close: async () => undefined,
    };
  },
};

registerConnector(salesforceConnector);
