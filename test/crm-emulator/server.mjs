// A small HTTP emulator of the CRM write endpoints Leadscore uses, run as its own process by the
// writeback fault tests and the writeback benchmark: Salesforce sObject Collections (PATCH
// /services/data/vNN.N/composite/sobjects, 200 records a call, and the describe call the sink makes
// first) and HubSpot's batch update (POST /crm/v3/objects/contacts/batch/update, 100 a call, and
// the contact property list the sink reads first).
// It enforces the batch maximums and a sliding-window rate limit, and fails on demand:
// POST /__admin/config {"limit": {"calls": 110, "perMs": 10000}, "outageMs": 5000, "latencyMs": 5}.
// GET /__admin/state answers what landed: every record's fields and every write received.
// Started as `node server.mjs [port]`; prints "listening PORT" when ready.
import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { setTimeout } from 'node:timers';

const SALESFORCE_FIELDS = ['Score', 'Fit', 'Engagement', 'Grade', 'Tier', 'Reasons', 'Next_Action', 'Scored_At', 'Model_Version'].map((n) => `Leadscore_${n}__c`);

let config = { limit: null, outageMs: 0, latencyMs: 0 };
let outageUntil = 0;
let starts = [];
const state = { records: {}, writes: [], calls: 0, limited: 0, failed: 0, rejectedBatches: 0 };

function overLimit() {
  if (!config.limit) return false;
  const now = Date.now();
  starts = starts.filter((t) => t > now - config.limit.perMs);
  if (starts.length >= config.limit.calls) return Math.max(1, Math.ceil((starts[0] + config.limit.perMs - now) / 1000));
  starts.push(now);
  return false;
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function land(crm, id, fields) {
  state.writes.push({ crm, id, fields });
  state.records[id] = { ...(state.records[id] ?? {}), ...fields };
}

async function salesforceCollections(body, res) {
  if (!Array.isArray(body.records) || body.records.length > 200) {
    state.rejectedBatches++;
    return send(res, 400, [{ message: `The number of records in a collection must be 200 or less (got ${body.records?.length}).`, errorCode: 'EXCEEDED_ID_LIMIT' }]);
  }
  const results = body.records.map((record) => {
    const { attributes: _attributes, id, ...fields } = record;
    land('salesforce', id, fields);
    return { id, success: true, errors: [] };
  });
  send(res, 200, results, { 'Sforce-Limit-Info': `api-usage=${state.calls}/1000000` });
}

async function hubspotBatchUpdate(body, res) {
  if (!Array.isArray(body.inputs) || body.inputs.length > 100) {
    state.rejectedBatches++;
    return send(res, 400, { status: 'error', message: `Batch input must contain at most 100 inputs (got ${body.inputs?.length}).`, category: 'VALIDATION_ERROR', correlationId: randomUUID() });
  }
  const now = new Date().toISOString();
  const results = body.inputs.map((input) => {
    land('hubspot', input.id, input.properties);
    return { id: input.id, properties: input.properties, createdAt: now, updatedAt: now, archived: false };
  });
  send(res, 200, { status: 'COMPLETE', results, startedAt: now, completedAt: new Date().toISOString() });
}

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  const body = text ? JSON.parse(text) : {};
  const url = new URL(req.url, 'http://emulator');
  if (url.pathname === '/__admin/config' && req.method === 'POST') {
    config = { ...config, ...body };
    if (body.outageMs) outageUntil = Date.now() + body.outageMs;
    return send(res, 200, config);
  }
  if (url.pathname === '/__admin/state') return send(res, 200, state);
  if (url.pathname === '/__admin/reset' && req.method === 'POST') {
    Object.assign(state, { records: {}, writes: [], calls: 0, limited: 0, failed: 0, rejectedBatches: 0 });
    config = { limit: null, outageMs: 0, latencyMs: 0 };
    outageUntil = 0;
    starts = [];
    return send(res, 200, state);
  }
  const describe = /^\/services\/data\/v[\d.]+\/sobjects\/(\w+)\/describe$/.exec(url.pathname);
  if (describe && req.method === 'GET') {
    return send(res, 200, { name: describe[1], fields: [{ name: 'Id', type: 'id', length: 18, updateable: false }, ...SALESFORCE_FIELDS.map((name) => ({ name, type: name.endsWith('Reasons__c') ? 'textarea' : 'string', length: 255, updateable: true }))] });
  }
  if (url.pathname === '/crm/v3/properties/contacts' && req.method === 'GET') {
    const property = (name, type, fieldType, options) => ({ name, label: name, type, fieldType, groupName: 'leadscore', ...(options ? { options } : {}), modificationMetadata: { readOnlyValue: false } });
    const tiers = ['Hot', 'Warm', 'Nurture', 'Not scored'].map((t, i) => ({ label: t, value: t, displayOrder: i, hidden: false }));
    return send(res, 200, {
      results: [
        ...['score', 'fit', 'engagement'].map((n) => property(`leadscore_${n}`, 'number', 'number')),
        ...['grade', 'model_version'].map((n) => property(`leadscore_${n}`, 'string', 'text')),
        ...['reasons', 'next_action'].map((n) => property(`leadscore_${n}`, 'string', 'textarea')),
        property('leadscore_tier', 'enumeration', 'select', tiers),
        property('leadscore_scored_at', 'datetime', 'date'),
        property('hubspot_owner_id', 'enumeration', 'select', []),
      ],
    });
  }
  const isSalesforce = /^\/services\/data\/v[\d.]+\/composite\/sobjects$/.test(url.pathname) && req.method === 'PATCH';
  const isHubspot = url.pathname === '/crm/v3/objects/contacts/batch/update' && req.method === 'POST';
  if (!isSalesforce && !isHubspot) return send(res, 404, { message: `the emulator has no ${req.method} ${url.pathname}` });
  state.calls++;
  if (config.latencyMs) await new Promise((r) => setTimeout(r, config.latencyMs));
  if (Date.now() < outageUntil) {
    state.failed++;
    res.writeHead(503, { 'content-type': 'text/html' });
    return res.end('<html><body>Service Unavailable</body></html>');
  }
  const wait = overLimit();
  if (wait) {
    state.limited++;
    if (isHubspot) return send(res, 429, { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: randomUUID(), policyName: 'TEN_SECONDLY_ROLLING' }, { 'Retry-After': String(wait) });
    return send(res, 403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
  }
  return isSalesforce ? salesforceCollections(body, res) : hubspotBatchUpdate(body, res);
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
