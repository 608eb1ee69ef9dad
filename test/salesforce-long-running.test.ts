import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSession, salesforceAppFromEnv, Semaphore } from '../connectors/salesforce/index.js';
import { isLeadscoreError } from '../src/domain/index.js';
import { INSTANCE, LOGIN, tokens, V } from './helpers/salesforce.js';

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never happened: ${what}`);
}

/** A call the test finishes by hand. */
function held() {
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { done, finish };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe('Semaphore', () => {
  it('runs at most `limit` calls at once, first come first served, and frees the slot of a failed call', async () => {
    const gate = new Semaphore(2);
    const calls = Array.from({ length: 5 }, held);
    const started: number[] = [];
    const results = calls.map((c, i) =>
      gate.run(async () => {
        started.push(i);
        await c.done;
        if (i === 0) throw new Error('call 0 failed');
        return i;
      }),
    );
    await until(() => started.length === 2, 'two started');
    expect(gate.inUse).toBe(2);
    expect(gate.queued).toBe(3);
    calls[0]!.finish();
    await expect(results[0]).rejects.toThrow('call 0 failed');
    await until(() => started.length === 3, 'the third started');
    expect(started).toEqual([0, 1, 2]);
    for (const c of calls) c.finish();
    expect(await Promise.all(results.slice(1))).toEqual([1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(gate.inUse).toBe(0);
  });
});

describe('long-running calls per org', () => {
  it("keeps an org's concurrent queries under the configured limit, across the sessions of that org", async () => {
    let inFlight = 0;
    let most = 0;
    const replies: Array<() => void> = [];
    nock(INSTANCE)
      .get(`${V}/query`)
      .query(true)
      .times(6)
      .reply(function (_uri, _body, callback) {
        inFlight++;
        most = Math.max(most, inFlight);
        replies.push(() => {
          inFlight--;
          callback(null, [200, { totalSize: 0, done: true, records: [] }]);
        });
      });
    const app = { loginUrl: LOGIN, clientId: 'id', longRunningLimit: 2 };
    const one = openSession(app, tokens, () => undefined);
    const two = openSession(app, tokens, () => undefined);
    const queries = [one, two, one, two, one, two].map((s) => s.get(`/query?q=${encodeURIComponent('SELECT Id FROM Lead')}`));
    for (let answered = 0; answered < 6; answered++) {
      await until(() => replies.length > 0, 'a query reached Salesforce');
      expect(inFlight).toBeLessThanOrEqual(2);
      replies.shift()!();
    }
    await Promise.all(queries);
    expect(most).toBe(2);
  });

  it('lets short calls (describe) through while the queries wait', async () => {
    const replies: Array<() => void> = [];
    nock(INSTANCE)
      .get(`${V}/query`)
      .query(true)
      .reply(function (_uri, _body, callback) {
        replies.push(() => callback(null, [200, { totalSize: 0, done: true, records: [] }]));
      })
      .get(`${V}/sobjects/Lead/describe`)
      .reply(200, { name: 'Lead', fields: [] });
    const session = openSession({ loginUrl: LOGIN, clientId: 'id', longRunningLimit: 1 }, { ...tokens, orgId: '00D5e000000QuickEAF' }, () => undefined);
    const query = session.get('/query?q=SELECT+Id+FROM+Lead');
    await until(() => replies.length === 1, 'the query is running');
    await expect(session.get('/sobjects/Lead/describe')).resolves.toEqual({ name: 'Lead', fields: [] });
    replies.shift()!();
    await query;
  });

  it('reads SALESFORCE_LONG_RUNNING_LIMIT, refusing more than the org allows with the variable named', () => {
    expect(salesforceAppFromEnv({ SALESFORCE_CLIENT_ID: 'id', SALESFORCE_LONG_RUNNING_LIMIT: '5' })!.longRunningLimit).toBe(5);
    expect(salesforceAppFromEnv({ SALESFORCE_CLIENT_ID: 'id' })!.longRunningLimit).toBeUndefined();
    for (const bad of ['30', '0', 'ten']) {
      let error: unknown;
      try {
        salesforceAppFromEnv({ SALESFORCE_CLIENT_ID: 'id', SALESFORCE_LONG_RUNNING_LIMIT: bad });
      } catch (e) {
        error = e;
      }
      expect(isLeadscoreError(error, 'CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toMatch(/^SALESFORCE_LONG_RUNNING_LIMIT: /);
    }
  });
});
