import { describe, expect, it } from 'vitest';
import { connectorFactory, isLeadscoreError, type Connector, type ConnectorKind, type FieldUpdate } from '../../src/domain/index.js';

/**
 * What every CRM connector promises through the domain interfaces, whatever its API: run for
 * each connector with a harness that stands in for its CRM (nock).
 */
export interface ConnectorHarness {
  kind: ConnectorKind;
  /** Options the connector accepts (an open session) and one it must refuse. */
  options(): unknown;
  badOptions: unknown;
  /** Record ids as the CRM spells them. */
  ids(n: number): string[];
  /** An update of fields the CRM has. */
  update(id: string): FieldUpdate;
  /** Answer the sink's writes: records in `refuse` are refused for good, others written; write calls' sizes are recorded. */
  serveWrites(refuse: ReadonlySet<string>): { batches: number[] };
  /** Answer a read of leads: the given ids on one page. */
  serveLeads(ids: string[]): void;
}

export function connectorContract(h: ConnectorHarness): void {
  describe(`${h.kind} connector contract`, () => {
    const connector = (): Connector => connectorFactory(h.kind).create(h.options());

    it('is found by kind, and refuses options it cannot use with CONNECTOR_OPTIONS_INVALID', () => {
      expect(connector()).toMatchObject({ kind: h.kind, sink: expect.anything() });
      let caught: unknown;
      try {
        connectorFactory(h.kind).create(h.badOptions);
      } catch (err) {
        caught = err;
      }
      expect(isLeadscoreError(caught, 'CONNECTOR_OPTIONS_INVALID')).toBe(true);
    });

    it('reads leads in batches whose cursor is text to resume from', async () => {
      const ids = h.ids(3);
      h.serveLeads(ids);
      const read: string[] = [];
      let cursor: string | null = null;
      for await (const batch of connector().source.readLeads(null)) {
        read.push(...batch.records.map((r) => r.value.id));
        expect(batch.rejections).toEqual([]);
        cursor = batch.cursor ?? cursor;
      }
      expect(read).toEqual(ids);
      expect(typeof cursor).toBe('string');
    });

    it('answers one result per update in the order given, never more than maxBatchSize a call, a refused record alone failing', async () => {
      const sink = connector().sink!;
      const ids = h.ids(sink.maxBatchSize * 2 + 5);
      const refused = ids[sink.maxBatchSize + 1]!;
      const served = h.serveWrites(new Set([refused]));
      const results = await sink.writeFieldUpdates(ids.map((id) => h.update(id)));
      expect(results.map((r) => r.leadId)).toEqual(ids);
      expect(Math.max(...served.batches)).toBeLessThanOrEqual(sink.maxBatchSize);
      expect(served.batches.reduce((a, b) => a + b, 0)).toBe(ids.length);
      expect(results.filter((r) => !r.ok)).toEqual([{ leadId: refused, ok: false, error: { code: expect.any(String), message: expect.stringContaining(refused), retryable: false } }]);
    });
  });
}
