import { LeadscoreError, type FieldUpdate, type LeadSink, type OwnerChange, type WriteResult } from '../../src/domain/index.js';

/**
 * An in-memory CRM behind the LeadSink interface, for the writeback unit tests: it keeps each
 * record's fields and the versions it received, refuses batches over its maximum, and fails on
 * demand (whole calls, 429s with a Retry-After, or single records for good).
 */
export class FakeCrmSink implements LeadSink {
  readonly records = new Map<string, { fields: Record<string, unknown>; version: number }>();
  /** Every (lead, version) received, repeats included. */
  readonly received: Array<{ leadId: string; version: number }> = [];
  calls = 0;
  failNextCalls = 0;
  rateLimitNextCalls = 0;
  retryAfterMs = 20;
  /** Leads whose writes the CRM refuses for good (a validation rule). */
  readonly refuse = new Set<string>();
  /** Delay of each call, so calls overlap. */
  latencyMs = 0;

  constructor(readonly maxBatchSize = 10) {}

  async writeFieldUpdates(updates: FieldUpdate[]): Promise<WriteResult[]> {
    this.calls++;
    if (updates.length > this.maxBatchSize) throw new Error(`batch of ${updates.length} is over the maximum of ${this.maxBatchSize}`);
    if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
    if (this.rateLimitNextCalls > 0) {
      this.rateLimitNextCalls--;
      throw new LeadscoreError('CRM_LIMIT_REACHED', 'rate limit: 429', { retryAfterMs: this.retryAfterMs });
    }
    if (this.failNextCalls > 0) {
      this.failNextCalls--;
      throw new LeadscoreError('CRM_REQUEST_FAILED', 'the CRM answered 503 Service Unavailable');
    }
    return updates.map((u) => {
      if (this.refuse.has(u.leadId)) return { leadId: u.leadId, ok: false, error: { code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'tier is not allowed', retryable: false } };
      this.received.push({ leadId: u.leadId, version: u.scoreVersion });
      const current = this.records.get(u.leadId);
      if (current && current.version > u.scoreVersion) throw new Error(`version ${u.scoreVersion} of ${u.leadId} arrived after version ${current.version}`);
      this.records.set(u.leadId, { fields: u.fields, version: u.scoreVersion });
      return { leadId: u.leadId, ok: true };
    });
  }

  async changeOwners(changes: OwnerChange[]): Promise<WriteResult[]> {
    return changes.map((c) => ({ leadId: c.leadId, ok: true }));
  }
}
