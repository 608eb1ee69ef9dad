import { StreamingExtension } from 'jsforce/lib/api/streaming.js';
import { z } from 'zod';
import { LeadscoreError } from '../../src/domain/index.js';
import type { SalesforceSession } from './session.js';

/** Change Data Capture channels of the objects Leadscore reads. */
export const CHANGE_CHANNELS = { Lead: '/data/LeadChangeEvent', Contact: '/data/ContactChangeEvent' } as const;

/** Replay from every event Salesforce still keeps (72 hours), or only from new ones. */
export const REPLAY_ALL_RETAINED = -2;
export const REPLAY_NEW_ONLY = -1;

export const CHANGE_TYPES = ['CREATE', 'UPDATE', 'DELETE', 'UNDELETE', 'GAP_CREATE', 'GAP_UPDATE', 'GAP_DELETE', 'GAP_UNDELETE', 'GAP_OVERFLOW'] as const;

/** A change event as the streaming client hands it over: `data` of a /data/<Object>ChangeEvent message. */
const ChangeEventDataSchema = z.object({
  event: z.object({ replayId: z.number().int() }),
  payload: z
    .object({
      ChangeEventHeader: z.object({
        entityName: z.string().min(1),
        changeType: z.enum(CHANGE_TYPES),
        // Overflow events name no records.
        recordIds: z.array(z.string().regex(/^[A-Za-z0-9]{15,18}$/)).default([]),
        commitTimestamp: z.number().optional(),
        changedFields: z.array(z.string()).default([]),
        transactionKey: z.string().optional(),
      }),
    })
    .loose(),
});

export interface ChangeEvent {
  replayId: number;
  entity: string;
  changeType: (typeof CHANGE_TYPES)[number];
  recordIds: string[];
  /** Fields an UPDATE changed (empty for other change types). */
  changedFields: string[];
  committedAt: Date | null;
}

/** A delivered change event, or a clear error naming what is wrong with it. */
export function parseChangeEvent(data: unknown): ChangeEvent | { error: string; replayId: number | null } {
  const parsed = ChangeEventDataSchema.safeParse(data);
  if (!parsed.success) {
    const replay = (data as { event?: { replayId?: unknown } } | null)?.event?.replayId;
    return { error: `change event: ${z.prettifyError(parsed.error)}`, replayId: typeof replay === 'number' ? replay : null };
  }
  const h = parsed.data.payload.ChangeEventHeader;
  return {
    replayId: parsed.data.event.replayId,
    entity: h.entityName,
    changeType: h.changeType,
    recordIds: h.recordIds,
    changedFields: h.changedFields,
    committedAt: h.commitTimestamp ? new Date(h.commitTimestamp) : null,
  };
}

/**
 * Why a subscription was refused or lost: the stored replay id is older than Salesforce keeps
 * (subscribe again from new events), the channel is not there (CDC not enabled for the object,
 * or no permission), authentication failed (renew the token), or anything else (retry with backoff).
 */
export type StreamFailureKind = 'replay_invalid' | 'not_enabled' | 'auth' | 'other';

export class StreamFailure extends Error {
  constructor(
    readonly kind: StreamFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'StreamFailure';
  }
}

/** Salesforce's Bayeux errors are "<status>::<message>" (e.g. "400::The replayId {5} you provided was invalid..."). */
export function classifyStreamError(error: string): StreamFailureKind {
  if (/replay\s?id.*(invalid|not valid)/i.test(error)) return 'replay_invalid';
  if (/^401::|authentication invalid|session expired|invalid_session/i.test(error)) return 'auth';
  if (/subscribe to does(n[’']t| not) exist|unknown channel|not (enabled|available|allowed)|insufficient (access|privileges)|^403::(?!unknown client)/i.test(error)) return 'not_enabled';
  return 'other';
}

/** A live subscription: `lost` settles when it ends by itself (never when closed). */
export interface ChangeSubscription {
  readonly lost: Promise<StreamFailure>;
  close(): Promise<void>;
}

/**
 * What the real-time runner needs of a streaming client: subscribe to a channel from a replay
 * id, receive each event's data in order. The CometD client below is the real one; tests can put
 * a fake behind this.
 */
export interface ChangeStreamClient {
  /** Resolves once Salesforce confirmed the subscription; rejects with a StreamFailure when it refused. */
  subscribe(channel: string, replayFrom: number, onEvent: (data: unknown) => void): Promise<ChangeSubscription>;
}

/** The parts of faye's client used here (its typings leave out disconnect and the transport events). */
interface FayeClient {
  subscribe(channel: string, onMessage: (data: unknown) => void): { then(ok: () => void, failed: (err: FayeError) => void): void };
  disconnect(): void;
  on(event: 'transport:down' | 'transport:up', listener: () => void): void;
}

interface FayeError {
  message?: string;
  code?: number;
  params?: unknown[];
}

/**
 * Change events through jsforce's streaming client (CometD long polling on /cometd/<version>),
 * with the replay extension sending `ext.replay = {channel: replayId}` on subscribe. A lost
 * transport, a refused handshake (an expired token) or a connect Salesforce will not resume
 * ends the subscription with a StreamFailure; the caller reconnects with backoff.
 */
export function cometdClient(session: SalesforceSession, options: { timeoutSeconds?: number } = {}): ChangeStreamClient {
  return {
    subscribe(channel, replayFrom, onEvent) {
      let lose: (f: StreamFailure) => void = () => undefined;
      const lost = new Promise<StreamFailure>((resolve) => (lose = resolve));
      let closed = false;
      const end = (failure: StreamFailure) => {
        if (closed) return;
        closed = true;
        client.disconnect();
        lose(failure);
      };
      const authFailure = new StreamingExtension.AuthFailure((message: { error?: string; ext?: { sfdc?: { failureReason?: string } } }) => {
        const reason = message.ext?.sfdc?.failureReason ?? message.error ?? 'handshake denied';
        end(new StreamFailure(classifyStreamError(reason) === 'auth' ? 'auth' : 'other', `Salesforce ended the change event stream: ${reason}`));
      });
      const replay = new StreamingExtension.Replay(channel, replayFrom);
      const client = session.connection.streaming.createClient([authFailure, replay]) as unknown as FayeClient;
      if (options.timeoutSeconds) (client as unknown as { _dispatcher: { timeout: number } })._dispatcher.timeout = options.timeoutSeconds;
      // Faye would retry a down transport forever at a fixed interval; the caller backs off instead.
      client.on('transport:down', () => end(new StreamFailure('other', `the change event stream of ${channel} lost its connection to Salesforce`)));
      const subscription = client.subscribe(channel, (data: unknown) => {
        if (!closed) onEvent(data);
      });
      return new Promise<ChangeSubscription>((resolve, reject) => {
        subscription.then(
          () =>
            resolve({
              lost,
              close: async () => {
                closed = true;
                client.disconnect();
              },
            }),
          (err: FayeError) => {
            const text = err?.code ? `${err.code}::${err.message ?? ''}` : (err?.message ?? String(err));
            closed = true;
            client.disconnect();
            reject(new StreamFailure(classifyStreamError(text), `Salesforce refused the subscription to ${channel}: ${text}`));
          },
        );
        void lost.then((failure) => reject(failure));
      });
    },
  };
}

/** A stream failure as the connector's coded error, for the connection's status. */
export function streamError(failure: StreamFailure): LeadscoreError {
  return new LeadscoreError(failure.kind === 'auth' ? 'CRM_AUTH_FAILED' : 'CRM_REQUEST_FAILED', failure.message);
}
