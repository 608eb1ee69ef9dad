import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cometdClient, parseChangeEvent, StreamFailure } from '../connectors/salesforce/index.js';
import { leadChangeEvent } from './helpers/salesforce-cdc.js';
import { INSTANCE, testSession } from './helpers/salesforce.js';

/**
 * The CometD (Bayeux) exchange of Salesforce's Streaming API on /cometd/<version>, faked with nock
 * and answered as Salesforce documents it: handshake with the replay extension, long-polling
 * connect, subscribe carrying ext.replay, and change events with their ChangeEventHeader.
 */
const CLIENT_ID = '4p1ju8twvp3wdqo6sx0udtrwg3lf';
type Message = { channel: string; id: string; subscription?: string; ext?: { replay?: Record<string, number> } };

/** A Bayeux server in a nock reply: the subscribe answer is chosen by the test; connects after the first deliver `events` once, then wait. */
function bayeux(subscribeAnswer: (m: Message) => Record<string, unknown>, events: unknown[]) {
  const seen: Message[] = [];
  let connects = 0;
  nock(INSTANCE)
    .persist()
    .post('/cometd/62.0')
    .reply(function (_uri, body, callback) {
      const messages = body as Message[];
      seen.push(...messages);
      const answers: unknown[] = [];
      let delay = 0;
      for (const m of messages) {
        const base = { clientId: CLIENT_ID, channel: m.channel, id: m.id };
        if (m.channel === '/meta/handshake') {
          answers.push({ ...base, ext: { replay: true, 'payload.format': true }, minimumVersion: '1.0', supportedConnectionTypes: ['long-polling'], version: '1.0', successful: true });
        } else if (m.channel === '/meta/subscribe') {
          answers.push({ ...base, subscription: m.subscription, ...subscribeAnswer(m) });
        } else if (m.channel === '/meta/connect') {
          connects++;
          if (connects === 2) answers.push(...events.map((data) => ({ data, channel: '/data/LeadChangeEvent' })));
          if (connects > 2) delay = 50;
          answers.push({ ...base, successful: true, advice: { reconnect: 'retry', interval: 0, timeout: 110000 } });
        } else if (m.channel === '/meta/disconnect') {
          answers.push({ ...base, successful: true });
        }
      }
      setTimeout(() => callback(null, [200, answers, { 'content-type': 'application/json;charset=UTF-8' }]), delay);
    });
  return seen;
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('cometdClient (jsforce streaming with the replay extension)', () => {
  it('handshakes with the OAuth token, subscribes from the stored replay id and hands over change events', async () => {
    const event = leadChangeEvent(13, 'UPDATE', ['00Q5e00000AAAAAEA1'], { Status: 'Working', LastModifiedDate: '2026-11-25T09:00:00.000Z' });
    const seen = bayeux(() => ({ successful: true }), [event]);
    const received: unknown[] = [];
    const gotOne = new Promise<void>((resolve) => {
      void cometdClient(testSession())
        .subscribe('/data/LeadChangeEvent', 12, (data) => {
          received.push(data);
          resolve();
        })
        .then((subscription) => gotOne.then(() => subscription.close()));
    });
    await gotOne;
    const subscribe = seen.find((m) => m.channel === '/meta/subscribe');
    expect(subscribe).toMatchObject({ subscription: '/data/LeadChangeEvent', ext: { replay: { '/data/LeadChangeEvent': 12 } } });
    expect(seen[0]!.channel).toBe('/meta/handshake');
    expect(parseChangeEvent(received[0])).toEqual({ replayId: 13, entity: 'Lead', changeType: 'UPDATE', recordIds: ['00Q5e00000AAAAAEA1'], changedFields: ['Status', 'LastModifiedDate'], committedAt: new Date(1764060000000) });
  });

  it('reports a replay id Salesforce no longer keeps as replay_invalid', async () => {
    bayeux(() => ({ successful: false, error: '400::The replayId {12} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.' }), []);
    const refused = await cometdClient(testSession()).subscribe('/data/LeadChangeEvent', 12, () => undefined).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StreamFailure);
    expect((refused as StreamFailure).kind).toBe('replay_invalid');
  });

  it('reports a channel that does not exist (CDC not enabled for Lead) as not_enabled', async () => {
    bayeux(() => ({ successful: false, error: '400::The channel you requested to subscribe to does not exist {/data/LeadChangeEvent}' }), []);
    const refused = await cometdClient(testSession()).subscribe('/data/LeadChangeEvent', -2, () => undefined).catch((e: unknown) => e);
    expect((refused as StreamFailure).kind).toBe('not_enabled');
    expect((refused as Error).message).toMatch(/does not exist/);
  });

  it('ends the subscription when the transport goes down, so the caller reconnects', async () => {
    let calls = 0;
    nock(INSTANCE)
      .persist()
      .post('/cometd/62.0')
      .reply(() => (++calls === 1 ? [200, [{ clientId: CLIENT_ID, channel: '/meta/handshake', id: '1', ext: { replay: true }, version: '1.0', supportedConnectionTypes: ['long-polling'], successful: true }]] : [503, 'Service Unavailable']));
    const refused = await cometdClient(testSession()).subscribe('/data/LeadChangeEvent', -1, () => undefined).catch((e: unknown) => e);
    expect((refused as StreamFailure).kind).toBe('other');
  });
});

describe('parseChangeEvent', () => {
  it('names what is wrong with a malformed event and keeps its replay id', () => {
    const bad = parseChangeEvent({ event: { replayId: 9 }, payload: { ChangeEventHeader: { entityName: 'Lead', changeType: 'MERGE', recordIds: [] } } });
    expect(bad).toMatchObject({ replayId: 9, error: expect.stringMatching(/changeType/) });
  });

  it('accepts an overflow event without record ids', () => {
    expect(parseChangeEvent({ event: { replayId: 3 }, payload: { ChangeEventHeader: { entityName: 'Lead', changeType: 'GAP_OVERFLOW' } } })).toMatchObject({ changeType: 'GAP_OVERFLOW', recordIds: [] });
  });
});
