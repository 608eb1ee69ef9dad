import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBundleSource } from '../connectors/file/index.js';
import { tenantId, type Score } from '../src/domain/index.js';
import { FolderModelSource, SHIPPED_DEFAULT_MODEL } from '../src/scoring/model-source.js';
import { rescore } from '../src/scoring/rescore.js';
import { DEFAULT_SETTINGS, saveSettings } from '../src/settings/index.js';
import { ensureTenant, getScoreHistory, getScores, insertActivities, pendingOutbox, upsertLeads, type Database } from '../src/store/index.js';
import { importFromSource } from '../src/sync/index.js';
import { generateBundle } from '../src/synthetic/index.js';
import { openTestDatabase } from './helpers/db.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'scoring-service-'));
const exportAt = new Date('2026-06-30T00:00:00Z');
const acme = tenantId('acme');
let db: Database;
let models: FolderModelSource;

beforeAll(async () => {
  await generateBundle({ leads: 600, seed: 5, outDir: root, exportAt });
  db = await openTestDatabase();
  await ensureTenant(db, acme, 'Acme');
  await importFromSource(db, acme, new FileBundleSource({ dir: root }));
  models = new FolderModelSource({ defaultDir: SHIPPED_DEFAULT_MODEL, tenantsDir: null });
});
afterAll(async () => {
  await models.close();
  await db.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const openLeadCount = async () =>
  Number(
    (await db.query<{ n: string }>(`SELECT count(*) AS n FROM leads l WHERE tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.tenant_id = l.tenant_id AND o.lead_id = l.lead_id)`, [acme]))[0]!.n,
  );

describe('batch rescoring', () => {
  it('scores every open lead once, writes each to the outbox, and writes nothing when run again as of the same time', async () => {
    const open = await openLeadCount();
    const first = await rescore(db, models, acme, { all: true }, { asOf: exportAt, pageSize: 97 });
    expect(first.leads).toBe(open);
    expect(first.scored).toBe(open);
    expect(first.changed).toBe(open);
    expect(first.writes).toBe(open);
    expect((await pendingOutbox(db, acme, 10_000)).length).toBe(open);

    const again = await rescore(db, models, acme, { all: true }, { asOf: exportAt });
    expect(again).toMatchObject({ leads: open, changed: 0, writes: 0 });
    expect((await pendingOutbox(db, acme, 10_000)).length).toBe(open);
  });

  it('moves scores as engagement decays, writing only changes of at least the minimum or of tier or grade', async () => {
    const ids = (await db.query<{ lead_id: string }>(`SELECT lead_id FROM scores WHERE tenant_id = $1`, [acme])).map((r) => r.lead_id);
    const before = await getScores(db, acme, ids);
    const outboxBefore = (await pendingOutbox(db, acme, 10_000)).length;
    const later = new Date(exportAt.getTime() + 21 * 86_400_000);
    const result = await rescore(db, models, acme, { all: true }, { asOf: later });
    expect(result.changed).toBeGreaterThan(0);
    expect(result.writes).toBeLessThan(result.changed);
    const after = await getScores(db, acme, ids);
    let expectedWrites = 0;
    for (const [id, now] of after) {
      const was = before.get(id)!;
      if (now.score.status !== 'scored' || was.score.status !== 'scored') continue;
      const worth = now.score.tier !== was.lastWritten.tier || now.score.grade !== was.lastWritten.grade || Math.abs(now.score.composite - was.lastWritten.composite!) >= 5;
      if (worth) expectedWrites++;
      // What was written is what the lead showed when it was written.
      expect(now.lastWritten.composite).toBe(worth ? now.score.composite : was.lastWritten.composite);
    }
    expect(result.writes).toBe(expectedWrites);
    expect((await pendingOutbox(db, acme, 10_000)).length).toBe(outboxBefore + expectedWrites);
  });

  it('follows the tenant settings: score thresholds name the tiers, and the next action carries the top reason', async () => {
    await saveSettings(
      db,
      acme,
      {
        ...DEFAULT_SETTINGS,
        tiers: {
          basis: 'score',
          score: 'composite',
          levels: [
            { name: 'A-list', min: 40, action: 'Call today' },
            { name: 'Rest', min: 0, action: 'Nurture' },
          ],
        },
      },
      'test',
    );
    const asOf = new Date(exportAt.getTime() + 22 * 86_400_000);
    await rescore(db, models, acme, { all: true }, { asOf });
    const stored = [...(await getScores(db, acme, (await db.query<{ lead_id: string }>(`SELECT lead_id FROM scores WHERE tenant_id = $1`, [acme])).map((r) => r.lead_id))).values()];
    const scored = stored.map((s) => s.score).filter((s): s is Extract<Score, { status: 'scored' }> => s.status === 'scored');
    expect(scored.length).toBeGreaterThan(30);
    for (const s of scored) {
      expect(s.tier).toBe(s.composite >= 40 ? 'A-list' : 'Rest');
      expect(s.nextAction?.startsWith(s.tier === 'A-list' ? 'Call today' : 'Nurture')).toBe(true);
      expect(s.grade).toMatch(/^[A-D][1-4]$/);
    }
    expect(scored.some((s) => s.tier === 'A-list') && scored.some((s) => s.tier === 'Rest')).toBe(true);
    await saveSettings(db, acme, DEFAULT_SETTINGS, 'test');
  });
});

describe('real-time rescoring', () => {
  it('rescores one lead after new activity and keeps the change in its history', async () => {
    const asOf = new Date(exportAt.getTime() + 23 * 86_400_000);
    await rescore(db, models, acme, { all: true }, { asOf });
    const [row] = await db.query<{ lead_id: string }>(`SELECT lead_id FROM scores WHERE tenant_id = $1 AND status = 'scored' ORDER BY composite LIMIT 1`, [acme]);
    const id = row!.lead_id;
    const before = (await getScores(db, acme, [id])).get(id)!.score as Extract<Score, { status: 'scored' }>;
    const when = new Date(asOf.getTime() + 3_600_000);
    await insertActivities(db, acme, [
      { leadId: id, type: 'demo_request', occurredAt: when, channel: 'web', detail: null },
      { leadId: id, type: 'pricing_page_view', occurredAt: new Date(when.getTime() + 60_000), channel: 'web', detail: null },
    ]);
    const result = await rescore(db, models, acme, { ids: [id, 'no-such-lead'] }, { asOf: new Date(when.getTime() + 3_600_000) });
    expect(result).toMatchObject({ leads: 1, changed: 1, unknownIds: ['no-such-lead'] });
    const after = (await getScores(db, acme, [id])).get(id)!.score as Extract<Score, { status: 'scored' }>;
    expect(after.composite).toBeGreaterThan(before.composite);
    expect(after.reasons.some((r) => /demo/i.test(r.text))).toBe(true);
    const history = await getScoreHistory(db, acme, id);
    expect(history[0]!.composite).toBe(after.composite);
    expect(history.some((h) => h.composite === before.composite)).toBe(true);
  });

  it('says a lead with nothing known about it cannot be scored yet, instead of giving it 0', async () => {
    await upsertLeads(db, acme, [
      { id: 'blank-1', createdAt: exportAt, email: null, firstName: 'Ann', lastName: null, title: null, company: null, industry: null, employees: null, annualRevenue: null, country: null, leadSource: null, attributes: {} },
    ]);
    const result = await rescore(db, models, acme, { ids: ['blank-1'] }, { asOf: new Date(exportAt.getTime() + 30 * 86_400_000) });
    expect(result).toMatchObject({ leads: 1, scored: 0, notScored: 1, writes: 1 });
    const score = (await getScores(db, acme, ['blank-1'])).get('blank-1')!.score;
    expect(score).toMatchObject({ status: 'not_scored', reason: expect.stringMatching(/too little data/) });
    const outbox = await pendingOutbox(db, acme, 100_000);
    expect(outbox.find((o) => o.leadId === 'blank-1')?.payload).toMatchObject({ status: 'not_scored' });
  });
});
