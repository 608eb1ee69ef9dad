// The Salesforce connector: OAuth (web server and JWT bearer flows), API sessions that renew
// their tokens, and the field check of the connect step. Sync and writeback come next.
export * from './options.js';
export { authorizationUrl, exchangeCode, jwtBearerTokens, type SalesforceTokens } from './oauth.js';
export { openSession, translate, type SalesforceSession } from './session.js';
export { checkLeadscoreFields, type FieldCheck } from './fields.js';
export { SalesforceSource, type SalesforceSourceOptions } from './source.js';
