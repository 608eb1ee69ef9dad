import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectorFactory } from '../../src/domain/index.js';
import '../index.js';

describe('file connector registration', () => {
  it('is found by kind and reads a bundle through the domain interface', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-'));
    fs.writeFileSync(path.join(dir, 'leads.csv'), 'id,created_at\nL1,2024-01-01\n');
    const connector = connectorFactory('file').create({ dir });
    expect(connector.kind).toBe('file');
    expect(connector.sink).toBeNull();
    const ids: string[] = [];
    for await (const batch of connector.source.readLeads(null)) ids.push(...batch.records.map((r) => r.value.id));
    expect(ids).toEqual(['L1']);
    fs.rmSync(dir, { recursive: true });
  });

  it('refuses options it does not understand, naming the field', () => {
    expect(() => connectorFactory('file').create({ dir: 42 })).toThrow(/file connector: .*dir/s);
  });

  it('says which connectors exist when asked for one that is not registered', () => {
    expect(() => connectorFactory('pipedrive' as never)).toThrow(/no connector "pipedrive" is registered \(registered: file, salesforce, hubspot\)/);
  });

  it('registers Salesforce too, which refuses to start without a session', () => {
    expect(() => connectorFactory('salesforce').create({})).toThrow(/salesforce connector: .*session/s);
  });

  it('registers HubSpot too, which refuses to start without an API session', () => {
    expect(() => connectorFactory('hubspot').create({})).toThrow(/hubspot connector: .*api/s);
  });
});
