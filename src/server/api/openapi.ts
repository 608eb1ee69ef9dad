import { z } from 'zod';
import './schemas.js';

type Operation = {
  method: 'get' | 'put' | 'post';
  path: string;
  summary: string;
  scope: 'scores:read' | 'score' | 'admin';
  body?: string;
  response: string;
  status?: number;
  parameters?: Array<{ name: string; in: 'path' | 'query'; description: string }>;
};

/** Every `/api/v1` route: the router and this document are kept in step by a test. */
export const OPERATIONS: Operation[] = [
  { method: 'post', path: '/score', summary: 'Score a lead given in the request, without storing anything (forms, enrichment tools)', scope: 'score', body: 'ScoreRequest', response: 'Score' },
  {
    method: 'get',
    path: '/leads/{source}/{id}/score',
    summary: "A stored lead's current score, reasons and score history (what the record cards call)",
    scope: 'scores:read',
    response: 'LeadScore',
    parameters: [
      { name: 'source', in: 'path', description: 'Where the lead came from: file, salesforce or hubspot' },
      { name: 'id', in: 'path', description: 'The lead id in that source' },
    ],
  },
  {
    method: 'post',
    path: '/leads/{source}/{id}/feedback',
    summary: 'A rep says a score looks wrong: stored with the score and reasons the lead has right now',
    scope: 'scores:read',
    body: 'FeedbackRequest',
    response: 'FeedbackCreated',
    status: 201,
    parameters: [
      { name: 'source', in: 'path', description: 'Where the lead came from: file, salesforce or hubspot' },
      { name: 'id', in: 'path', description: 'The lead id in that source' },
    ],
  },
  {
    method: 'get',
    path: '/feedback',
    summary: "Reps' feedback on scores, newest first, each with the score and reasons it was about",
    scope: 'admin',
    response: 'FeedbackPage',
    parameters: ['lead_id', 'reason', 'model_version', 'from', 'to', 'limit', 'before'].map((name) => ({ name, in: 'query' as const, description: `Filter or page: ${name}` })),
  },
  {
    method: 'get',
    path: '/feedback/counts',
    summary: 'Feedback counted per reason and segment (by: source, country, size_band, lead_source, tier, model_version)',
    scope: 'admin',
    response: 'FeedbackCounts',
    parameters: ['by', 'from', 'to'].map((name) => ({ name, in: 'query' as const, description: `Filter: ${name}` })),
  },
  { method: 'get', path: '/settings', summary: 'The settings in force and their version', scope: 'admin', response: 'SettingsVersion' },
  { method: 'put', path: '/settings', summary: 'Save new settings as the next version', scope: 'admin', body: 'SettingsChange', response: 'SettingsVersion' },
  {
    method: 'post',
    path: '/settings/preview',
    summary: 'Dry run: how many open leads land in each tier under these settings, and what converted historically in each',
    scope: 'admin',
    body: 'SettingsPreviewRequest',
    response: 'SettingsPreview',
  },
  { method: 'get', path: '/settings/history', summary: 'Every saved version, newest first, with who changed what', scope: 'admin', response: 'SettingsVersion' },
  { method: 'post', path: '/settings/restore', summary: 'Put an earlier version back in force (saved as a new version)', scope: 'admin', body: 'SettingsRestore', response: 'SettingsVersion' },
  { method: 'post', path: '/rescore', summary: 'Rescore every open lead or the listed ones in the background', scope: 'admin', body: 'RescoreRequest', response: 'Job', status: 202 },
  {
    method: 'get',
    path: '/writeback/dead-letters',
    summary: 'Writes the CRM refused for good, with its reason, newest first',
    scope: 'admin',
    response: 'DeadLetterPage',
    parameters: [
      { name: 'limit', in: 'query', description: 'Entries per page (1-500, default 50)' },
      { name: 'before', in: 'query', description: "Keyset paging: the last page's next_before" },
    ],
  },
  { method: 'post', path: '/writeback/dead-letters/retry', summary: 'Put dead letters back in the queue (the listed ids, or all)', scope: 'admin', body: 'DeadLetterRetry', response: 'DeadLetterRetryResult' },
  {
    method: 'post',
    path: '/routing/simulate',
    summary: 'Replay the leads of a past period through draft routing rules: leads and hot leads per rep, how evenly spread, who fell back and why',
    scope: 'admin',
    body: 'RoutingSimulateRequest',
    response: 'RoutingSimulation',
  },
  {
    method: 'get',
    path: '/audit',
    summary: 'Every field write and assignment: record, before and after, cause, time, outcome; newest first',
    scope: 'admin',
    response: 'AuditPage',
    parameters: ['record_id', 'action', 'outcome', 'from', 'to', 'limit', 'before'].map((name) => ({ name, in: 'query' as const, description: `Filter or page: ${name}` })),
  },
  { method: 'get', path: '/models', summary: "The tenant's model versions, newest first: status, training window, metrics, the champion/challenger comparison and the reason", scope: 'admin', response: 'ModelList' },
  {
    method: 'get',
    path: '/models/ab-test',
    summary: "The live A/B split (settings learning.abTest): both arms on the outcomes that arrived since their leads got an arm (count, conversions, AUC, calibration)",
    scope: 'admin',
    response: 'AbTestReport',
    parameters: [{ name: 'challenger', in: 'query', description: 'A challenger version (default: the newest split)' }],
  },
  { method: 'post', path: '/models/retrain', summary: 'Queue a retrain now (it also runs on schedules.retrain)', scope: 'admin', response: 'RetrainQueued', status: 202 },
  {
    method: 'post',
    path: '/models/{version}/promote',
    summary: 'Make a version the champion by hand; its files must load; open leads are rescored',
    scope: 'admin',
    body: 'PromoteRequest',
    response: 'Promotion',
    parameters: [{ name: 'version', in: 'path', description: 'A version from GET /models' }],
  },
  { method: 'post', path: '/models/rollback', summary: 'Put an earlier version (or "default") back in force, with the reason in the audit log', scope: 'admin', body: 'RollbackRequest', response: 'Promotion' },
  {
    method: 'get',
    path: '/monitoring',
    summary: "Model monitoring: the newest daily report (accuracy on arrived outcomes, drift, Hot share) and each day's headline figures",
    scope: 'admin',
    response: 'Monitoring',
    parameters: [{ name: 'limit', in: 'query', description: 'Days of history (1-365, default 30)' }],
  },
  { method: 'post', path: '/monitoring/run', summary: "Run today's monitoring in the background", scope: 'admin', response: 'MonitoringRun', status: 202 },
  {
    method: 'get',
    path: '/alerts',
    summary: 'Monitoring alerts, newest first: the figure, its threshold and what to do',
    scope: 'admin',
    response: 'AlertList',
    parameters: [
      { name: 'open', in: 'query', description: 'true: only alerts not acknowledged yet' },
      { name: 'limit', in: 'query', description: 'Alerts (1-500, default 100)' },
    ],
  },
  { method: 'post', path: '/alerts/{id}/ack', summary: 'Acknowledge an alert (the first acknowledgement is kept)', scope: 'admin', response: 'Alert', parameters: [{ name: 'id', in: 'path', description: 'The alert id' }] },
  { method: 'get', path: '/jobs/{id}', summary: 'A background job: status, progress and result', scope: 'admin', response: 'Job', parameters: [{ name: 'id', in: 'path', description: 'The job id' }] },
];

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ref('Error') } } });

/** The OpenAPI 3.1 document, generated from the zod schemas that validate the requests. */
export function openApiDocument(serverUrl = '/api/v1'): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, { io: 'input', uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, Record<string, unknown>> };
  for (const schema of Object.values(schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const list = op.path === '/settings/history';
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      description: `Needs an API key with the "${op.scope}" scope (or "admin").`,
      security: [{ apiKey: [] }],
      ...(op.parameters ? { parameters: op.parameters.map((p) => ({ ...p, required: p.in === 'path', schema: { type: 'string' } })) } : {}),
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: ref(op.body) } } } } : {}),
      responses: {
        [String(op.status ?? 200)]: {
          description: 'OK',
          content: { 'application/json': { schema: list ? { type: 'object', properties: { versions: { type: 'array', items: ref(op.response) } } } : ref(op.response) } },
        },
        ...(op.body ? { 400: errorResponse('The body is malformed or a field is wrong; `issues` names each field') } : {}),
        401: errorResponse('No API key, or not a valid one'),
        403: errorResponse('The key lacks the scope'),
        ...(op.parameters?.some((p) => p.in === 'path') ? { 404: errorResponse('No such lead, job or alert for this tenant') } : {}),
        ...(op.parameters?.some((p) => p.in === 'query') ? { 400: errorResponse('A query parameter is wrong; `issues` names it') } : {}),
        ...(op.body ? { 413: errorResponse('The body is larger than the limit') } : {}),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Leadscore API',
      version: '1',
      description: 'Lead scores with grades, tiers, reasons and next actions; RevOps settings; rescoring jobs. Every request is scoped to the tenant of its API key.',
    },
    servers: [{ url: serverUrl }],
    components: { schemas, securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: ls_<id>_<secret>' } } },
    paths,
  };
}
