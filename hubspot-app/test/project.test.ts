import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTACT_PROPERTIES } from '../../connectors/hubspot/contacts.js';
import { OPTIONAL_SCOPES, REQUIRED_SCOPES } from '../../connectors/hubspot/options.js';
import { actionFor, WebhookEventSchema } from '../../connectors/hubspot/webhooks.js';
import { LEADSCORE_BASE_URL as CARD_BASE_URL } from '../src/app/cards/leadscore-api';
import { LEADSCORE_BASE_URL as SETTINGS_BASE_URL } from '../src/app/settings/leadscore-api';

/** The project's configuration agrees with the server and connector it talks to. */
const root = path.join(import.meta.dirname, '..');
const json = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
const hsmetaFiles = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? hsmetaFiles(path.join(dir, e.name)) : e.name.endsWith('-hsmeta.json') ? [path.join(dir, e.name)] : []));

const project = json('hsproject.json');
const app = json('src/app/app-hsmeta.json');
const webhooks = json('src/app/webhooks/webhooks-hsmeta.json');

describe('the HubSpot project', () => {
  it('is a 2025.2 project whose components sit in the folders their type needs, with unique uids and existing entry points', () => {
    expect(project).toEqual({ name: 'leadscore', srcDir: 'src', platformVersion: '2025.2' });
    const folderFor: Record<string, string> = { app: 'app', card: 'cards', settings: 'settings', webhooks: 'webhooks' };
    const components = hsmetaFiles(path.join(root, 'src')).map((file) => ({ file, ...JSON.parse(fs.readFileSync(file, 'utf8')) }));
    expect(components.map((c) => c.type).sort()).toEqual(['app', 'card', 'settings', 'webhooks']);
    expect(new Set(components.map((c) => c.uid)).size).toBe(components.length);
    for (const c of components) {
      const folder = path.relative(path.join(root, 'src/app'), path.dirname(c.file)) || 'app';
      expect({ type: c.type, folder }).toEqual({ type: c.type, folder: folderFor[c.type] });
      if (c.config.entrypoint) expect(fs.existsSync(path.join(root, 'src', c.config.entrypoint)), c.config.entrypoint).toBe(true);
    }
  });

  it('is a marketplace OAuth app asking for the scopes the connector uses, returning to its callback', () => {
    expect(app.config.distribution).toBe('marketplace');
    expect(app.config.auth.type).toBe('oauth');
    expect(app.config.auth.requiredScopes).toEqual([...REQUIRED_SCOPES]);
    expect(app.config.auth.optionalScopes).toEqual([...OPTIONAL_SCOPES]);
    expect(app.config.auth.redirectUrls).toEqual([`${CARD_BASE_URL}/oauth/hubspot/callback`]);
    expect(Object.keys(app.config.permittedUrls).sort()).toEqual(['fetch', 'iframe', 'img']);
  });

  it('lets the card and the settings page fetch from the one app origin the webhooks and OAuth use', () => {
    expect(SETTINGS_BASE_URL).toBe(CARD_BASE_URL);
    expect(app.config.permittedUrls.fetch).toEqual([CARD_BASE_URL]);
    expect(webhooks.config.settings.targetUrl).toBe(`${CARD_BASE_URL}/webhooks/hubspot`);
  });

  it('subscribes to contact events POST /webhooks/hubspot acts on, and to changes of every property a score reads', () => {
    const subscriptions = [...webhooks.config.subscriptions.crmObjects, ...webhooks.config.subscriptions.legacyCrmObjects, ...webhooks.config.subscriptions.hubEvents];
    for (const s of subscriptions) {
      // An event of this subscription as HubSpot sends it (generic object events carry objectTypeId 0-1 for contacts).
      const event = WebhookEventSchema.parse({
        eventId: 1,
        portalId: 24108351,
        occurredAt: Date.now(),
        subscriptionType: s.subscriptionType,
        objectId: 1001,
        ...(s.objectType === 'contact' ? { objectTypeId: '0-1' } : {}),
        ...(s.propertyName ? { propertyName: s.propertyName } : {}),
        ...(s.subscriptionType.endsWith('.merge') ? { primaryObjectId: 1001, mergedObjectIds: [1002] } : {}),
      });
      expect({ type: s.subscriptionType, action: actionFor(event).action }).not.toMatchObject({ action: expect.stringMatching(/unknown|ignore/) });
    }
    const watched = subscriptions.filter((s) => s.propertyName).map((s) => s.propertyName);
    const read = CONTACT_PROPERTIES.filter((p) => p !== 'createdate' && p !== 'lastmodifieddate');
    expect(watched).toEqual(expect.arrayContaining([...read, 'lifecyclestage', 'hs_lead_status', 'hubspot_owner_id']));
    expect(watched.filter((p: string) => p.startsWith('leadscore_'))).toEqual([]);
  });
});
