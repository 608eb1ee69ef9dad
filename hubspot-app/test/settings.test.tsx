import { Alert, Button, ErrorState, Input, NumberInput, Select, Table, TableCell, TableRow, Text, TextArea } from '@hubspot/ui-extensions';
import { createRenderer, type RenderedElementNode } from '@hubspot/ui-extensions/testing';
import { describe, expect, it } from 'vitest';
import type { Preview, SettingsBody, SettingsVersion, Simulation } from '../src/app/settings/leadscore-api';
import { SettingsPage } from '../src/app/settings/SettingsPage';
import { eventually, fakeFetch, settle } from './fake-fetch';

/** The renderer types trigger's argument as the handler itself; the handler is called with it as its value. */
const arg = (value: unknown) => value as never;

const settings: SettingsBody = {
  tiers: {
    basis: 'score',
    score: 'composite',
    levels: [
      { name: 'Hot', min: 80, action: 'Call within 1 hour' },
      { name: 'Warm', min: 50, action: 'Follow up within 2 business days' },
      { name: 'Nurture', min: 0, action: 'Keep in a nurture sequence' },
    ],
  },
  grades: { basis: 'model', fit: [75, 50, 25], engagement: [75, 50, 25] },
  routing: { score: 'composite' },
  writeback: { minScoreChange: 5 },
};
const version: SettingsVersion = { version: 3, settings, changed_by: 'api-key:abc', changed_at: '2026-11-20T10:00:00Z' };

/** Answers shaped like POST /hubspot/ui/settings/preview (src/server/hubspot-ui-routes.ts). */
const preview = (hotOpen: number): Preview => ({
  model_version: 'acme-2026-11-20',
  open_leads: { scored: hotOpen + 300, not_scored: 4 },
  historical: { leads: 1200, from: '2025-11-01T00:00:00Z', to: '2026-11-20T00:00:00Z' },
  tiers: [
    { name: 'Hot', min: 80, open_leads: hotOpen, historical_leads: 150, historical_conversions: 63, historical_conversion_rate: 0.42 },
    { name: 'Warm', min: 50, open_leads: 200, historical_leads: 450, historical_conversions: 81, historical_conversion_rate: 0.18 },
    { name: 'Nurture', min: 0, open_leads: 100, historical_leads: 600, historical_conversions: 18, historical_conversion_rate: 0.03 },
  ],
});

async function renderLoaded(inForce: SettingsVersion = version) {
  const renderer = createRenderer('settings');
  const api = fakeFetch();
  renderer.render(<SettingsPage fetcher={api.fetcher} />);
  await eventually(() => expect(api.calls).toHaveLength(1));
  expect(api.calls[0]!.url).toBe('https://leadscore.example.com/hubspot/ui/settings');
  api.pending('/hubspot/ui/settings').answer(200, inForce);
  // The page previews the settings in force as soon as they arrive.
  await eventually(() => expect(api.calls).toHaveLength(2));
  return { ...renderer, api };
}

/** A table's body rows as the texts of their cells. */
const rows = (table: Pick<RenderedElementNode, 'findAll'>) => table.findAll(TableRow).slice(1).map((r) => r.findAll(TableCell).map((c) => c.text));

describe('the Leadscore settings page', () => {
  it('shows the tiers in force and a preview of open leads and historic conversion per tier', async () => {
    const { find, findByTestId, api, waitFor } = await renderLoaded();
    expect(find(Input, { name: 'tier-0-name' }).props.value).toBe('Hot');
    expect(find(NumberInput, { name: 'tier-1-min' }).props.value).toBe(50);
    const asked = api.pending('/hubspot/ui/settings/preview');
    expect(asked.options).toMatchObject({ method: 'POST', body: { settings } });
    asked.answer(200, preview(120));
    await waitFor(() => expect(findByTestId(Table, 'preview-table')).toBeTruthy());
    expect(rows(findByTestId(Table, 'preview-table'))).toEqual([
      ['Hot', '80', '120', '150', '42%'],
      ['Warm', '50', '200', '450', '18%'],
      ['Nurture', '0', '100', '600', '3%'],
    ]);
    expect(findByTestId(Text, 'preview-note').text).toMatch(/420 open leads scored \(4 not scored\).*1200 most recent outcomes/);
  });

  it('shows each validation message the server gives, next to its input and in the list', async () => {
    const { find, findByTestId, api, waitFor } = await renderLoaded();
    api.pending('/hubspot/ui/settings/preview').answer(200, preview(120));
    find(NumberInput, { name: 'tier-1-min' }).trigger('onChange', arg(90));
    find(Input, { name: 'tier-2-name' }).trigger('onChange', arg('hot'));
    await waitFor(() => expect(find(NumberInput, { name: 'tier-1-min' }).props.value).toBe(90));
    findByTestId(Button, 'preview').trigger('onClick');
    await eventually(() => expect(api.calls).toHaveLength(3));
    const asked = api.pending('/hubspot/ui/settings/preview', 1);
    expect((asked.options?.body as { settings: SettingsBody }).settings.tiers.levels.map((l) => [l.name, l.min])).toEqual([
      ['Hot', 80],
      ['Warm', 90],
      ['hot', 0],
    ]);
    asked.answer(400, {
      error: {
        code: 'INVALID_REQUEST',
        message: 'settings.tiers.levels[1].min: 90 is not below Hot\'s minimum of 80 (and 1 more)',
        issues: [
          { field: 'settings.tiers.levels[1].min', message: '90 is not below Hot\'s minimum of 80: tiers go from highest to lowest, so "Warm" would be empty' },
          { field: 'settings.tiers.levels[2].name', message: '"hot" is already the name of tier 1' },
        ],
      },
    });
    await waitFor(() => expect(find(NumberInput, { name: 'tier-1-min' }).props.error).toBe(true));
    expect(find(NumberInput, { name: 'tier-1-min' }).props.validationMessage).toMatch(/90 is not below Hot's minimum of 80/);
    expect(find(Input, { name: 'tier-2-name' }).props.validationMessage).toBe('"hot" is already the name of tier 1');
    expect(find(Input, { name: 'tier-0-name' }).props.error).toBe(false);
    expect(findByTestId(Alert, 'tier-issues').findAll(Text).map((t) => t.text)).toEqual([
      'settings.tiers.levels[1].min: 90 is not below Hot\'s minimum of 80: tiers go from highest to lowest, so "Warm" would be empty',
      'settings.tiers.levels[2].name: "hot" is already the name of tier 1',
    ]);
  });

  it('keeps the newest preview when an older one answers last', async () => {
    const { find, findByTestId, api, waitFor } = await renderLoaded();
    find(NumberInput, { name: 'tier-0-min' }).trigger('onChange', arg(85));
    await waitFor(() => expect(find(NumberInput, { name: 'tier-0-min' }).props.value).toBe(85));
    findByTestId(Button, 'preview').trigger('onClick');
    await eventually(() => expect(api.calls).toHaveLength(3));
    api.pending('/hubspot/ui/settings/preview', 1).answer(200, preview(77));
    await waitFor(() => expect(rows(findByTestId(Table, 'preview-table'))[0]).toEqual(['Hot', '80', '77', '150', '42%']));
    api.pending('/hubspot/ui/settings/preview', 0).answer(200, preview(120));
    await settle();
    expect(rows(findByTestId(Table, 'preview-table'))[0]).toEqual(['Hot', '80', '77', '150', '42%']);
  });

  it('saves the tiers against the version it read and says which version it became', async () => {
    const { find, findByTestId, api, waitFor } = await renderLoaded();
    api.pending('/hubspot/ui/settings/preview').answer(200, preview(120));
    find(NumberInput, { name: 'tier-0-min' }).trigger('onChange', arg(85));
    await waitFor(() => expect(find(NumberInput, { name: 'tier-0-min' }).props.value).toBe(85));
    findByTestId(Button, 'save-tiers').trigger('onClick');
    await eventually(() => expect(api.calls).toHaveLength(3));
    const sent = api.calls[2]!;
    expect(sent.options).toMatchObject({ method: 'PUT', body: { expected_version: 3 } });
    expect((sent.options?.body as { settings: SettingsBody }).settings).toEqual({ ...settings, tiers: { ...settings.tiers, levels: [{ ...settings.tiers.levels[0], min: 85 }, settings.tiers.levels[1], settings.tiers.levels[2]] } });
    const savedSettings = (sent.options?.body as { settings: SettingsBody }).settings;
    sent.answer(200, { version: 4, settings: savedSettings, changed_by: 'hubspot-user:7001 (fake_email@example.com) in portal 123', changed_at: '2026-11-25T10:00:00Z' });
    await waitFor(() => expect(findByTestId(Alert, 'tiers-saved').props.title).toBe('Saved as version 4'));
    expect(findByTestId(Text, 'version').text).toBe('Settings version 4');
  });

  it('says why settings could not be loaded', async () => {
    const renderer = createRenderer('settings');
    const api = fakeFetch();
    renderer.render(<SettingsPage fetcher={api.fetcher} />);
    await eventually(() => expect(api.calls).toHaveLength(1));
    api.pending('/hubspot/ui/settings').answer(404, { error: { code: 'PORTAL_NOT_CONNECTED', message: 'HubSpot portal 123 is not connected to Leadscore' } });
    await renderer.waitFor(() => expect(renderer.find(ErrorState).find(Text).text).toBe('HubSpot portal 123 is not connected to Leadscore'));
  });
});

describe('routing rules', () => {
  const routing = {
    score: 'composite',
    owners: [
      { id: 'ana', name: 'Ana Ruiz', crmUserId: '501' },
      { id: 'ben', name: 'Ben Okafor', crmUserId: '502' },
    ],
    fallbackOwner: 'ana',
    rules: [{ name: 'Everyone', assign: { type: 'round_robin', owners: ['ana', 'ben'] } }],
  };

  async function typeRouting(value: string) {
    const page = await renderLoaded();
    page.api.pending('/hubspot/ui/settings/preview').answer(200, preview(120));
    page.findByTestId(Button, 'toggle-json').trigger('onClick');
    await page.waitFor(() => expect(page.findAll(TextArea, { name: 'routing' })).toHaveLength(1));
    page.find(TextArea, { name: 'routing' }).trigger('onChange', arg(value));
    await page.waitFor(() => expect(page.find(TextArea, { name: 'routing' }).props.value).toBe(value));
    return page;
  }

  it('says when the rules are not JSON, without asking the server', async () => {
    const { findByTestId, api, waitFor } = await typeRouting('{"rules": [');
    findByTestId(Button, 'check-routing').trigger('onClick');
    await waitFor(() => expect(findByTestId(Alert, 'routing-issues').findAll(Text)[0]!.text).toMatch(/^routing: is not JSON/));
    expect(api.calls).toHaveLength(2);
  });

  it('shows every message the server gives for rules that cannot be used', async () => {
    const { findByTestId, api, waitFor } = await typeRouting(JSON.stringify({ ...routing, rules: [{ name: 'Hot', assign: { type: 'owner', owner: 'zoe' } }] }));
    findByTestId(Button, 'check-routing').trigger('onClick');
    await eventually(() => expect(api.calls).toHaveLength(3));
    expect(api.calls[2]!.options).toMatchObject({ method: 'POST', body: { routing: { rules: [{ name: 'Hot' }] } } });
    api.pending('/hubspot/ui/routing/validate').answer(400, {
      error: {
        code: 'INVALID_REQUEST',
        message: 'settings.routing.rules[0].assign.owner: "zoe" is not an owner in routing.owners',
        issues: [{ field: 'settings.routing.rules[0].assign.owner', message: '"zoe" is not an owner in routing.owners' }],
      },
    });
    await waitFor(() => expect(findByTestId(Alert, 'routing-issues').findAll(Text).map((t) => t.text)).toEqual(['settings.routing.rules[0].assign.owner: "zoe" is not an owner in routing.owners']));
  });

  it('shows where leads would go under valid rules, then saves them', async () => {
    const { findByTestId, api, waitFor } = await typeRouting(JSON.stringify(routing));
    findByTestId(Button, 'check-routing').trigger('onClick');
    await eventually(() => expect(api.calls).toHaveLength(3));
    const simulation: Simulation = {
      from: '2026-08-27T10:00:00.000Z',
      to: '2026-11-25T10:00:00.000Z',
      truncated: false,
      leads: 300,
      assigned: 300,
      fallback: 0,
      unassigned: 0,
      no_rule: 0,
      hot_tier: 'Hot',
      per_owner: [
        { owner: 'ana', name: 'Ana Ruiz', leads: 150, hot_leads: 31, fallback_leads: 0 },
        { owner: 'ben', name: 'Ben Okafor', leads: 150, hot_leads: 29, fallback_leads: 0 },
      ],
      per_rule: [{ rule: 'Everyone', leads: 300, fallback: 0, unassigned: 0 }],
    };
    api.pending('/hubspot/ui/routing/validate').answer(200, { valid: true, simulation });
    await waitFor(() => expect(findByTestId(Text, 'simulation-summary').text).toBe('Of 300 leads that arrived in the last 90 days: 300 assigned by a rule, 0 to a fallback owner, 0 to no one, 0 matched no rule.'));
    expect(rows(findByTestId(Table, 'simulation-table'))).toEqual([
      ['Ana Ruiz', '150', '31', '0'],
      ['Ben Okafor', '150', '29', '0'],
    ]);

    findByTestId(Button, 'save-routing').trigger('onClick');
    await eventually(() => expect(api.calls).toHaveLength(4));
    expect(api.calls[3]!.options).toMatchObject({ method: 'PUT', body: { routing, expected_version: 3 } });
    api.pending('/hubspot/ui/routing').answer(200, { version: 4, settings: { ...settings, routing }, changed_by: 'hubspot-user:7001', changed_at: '2026-11-25T10:00:00Z' });
    await waitFor(() => expect(findByTestId(Alert, 'routing-saved').props.title).toBe('Routing saved as version 4'));
  });
});

describe('routing rules as a form', () => {
  /** Routing as the server sends it back: parsed, defaults filled in. */
  const inForce = {
    score: 'composite',
    owners: [
      { id: 'ana', name: 'Ana Ruiz', crmUserId: '501', kind: 'user', away: false, dailyCapacity: 30 },
      { id: 'ben', name: 'Ben Okafor', crmUserId: '502', kind: 'user', away: false, dailyCapacity: null },
    ],
    teams: [],
    fallbackOwner: 'ana',
    rules: [
      { name: 'Hot', when: { tier: { equals: 'Hot' } }, assign: { type: 'owner', owner: 'ben' }, followUpTask: true },
      { name: 'Everyone', when: {}, assign: { type: 'round_robin', owners: ['ana', 'ben'], returning: 'rejoin' }, followUpTask: true },
    ],
  };

  async function loaded() {
    const page = await renderLoaded({ ...version, settings: { ...settings, routing: inForce } });
    page.api.pending('/hubspot/ui/settings/preview').answer(200, preview(120));
    await page.waitFor(() => expect(page.find(Input, { name: 'rule-1-name' }).props.value).toBe('Everyone'));
    return page;
  }

  it('shows the rules in force as fields and sends what they say, unchanged, to be checked', async () => {
    const page = await loaded();
    expect(page.find(Select, { name: 'rule-0-kind' }).props.value).toBe('owner');
    expect(page.find(Select, { name: 'rule-0-owner' }).props.value).toBe('ben');
    expect(page.find(Input, { name: 'rule-0-cond-0-value' }).props.value).toBe('Hot');
    expect(page.find(NumberInput, { name: 'owner-0-capacity' }).props.value).toBe(30);
    page.findByTestId(Button, 'check-routing').trigger('onClick');
    await eventually(() => expect(page.api.calls).toHaveLength(3));
    expect(page.api.calls[2]!.options).toMatchObject({ method: 'POST', body: { routing: { ...inForce, owners: inForce.owners } } });
  });

  it('adds a weighted rule, moves it first, and shows the server\'s message on the field it names', async () => {
    const page = await loaded();
    page.findByTestId(Button, 'add-rule').trigger('onClick');
    await page.waitFor(() => expect(page.findAll(Input, { name: 'rule-2-name' })).toHaveLength(1));
    page.find(Select, { name: 'rule-2-kind' }).trigger('onChange', arg('weighted'));
    await page.waitFor(() => expect(page.findAll(Button, { testId: 'rule-2-add-owner' })).toHaveLength(1));
    page.findByTestId(Button, 'rule-2-add-owner').trigger('onClick');
    page.findByTestId(Button, 'rule-2-add-owner').trigger('onClick');
    await page.waitFor(() => expect(page.findAll(Select, { name: 'rule-2-owner-1' })).toHaveLength(1));
    page.find(Select, { name: 'rule-2-owner-0' }).trigger('onChange', arg('ana'));
    page.find(NumberInput, { name: 'rule-2-owner-0-weight' }).trigger('onChange', arg(70));
    page.find(Select, { name: 'rule-2-owner-1' }).trigger('onChange', arg('ben'));
    page.find(NumberInput, { name: 'rule-2-owner-1-weight' }).trigger('onChange', arg(20));
    page.findByTestId(Button, 'rule-2-up').trigger('onClick');
    await page.waitFor(() => expect(page.find(Input, { name: 'rule-1-name' }).props.value).toBe('New rule 3'));
    page.findByTestId(Button, 'rule-0-remove').trigger('onClick');
    await page.waitFor(() => expect(page.find(Input, { name: 'rule-0-name' }).props.value).toBe('New rule 3'));

    page.findByTestId(Button, 'check-routing').trigger('onClick');
    await eventually(() => expect(page.api.calls).toHaveLength(3));
    const sent = page.api.calls[2]!.options!.body as { routing: { rules: Array<{ name: string; assign: unknown }> } };
    expect(sent.routing.rules.map((r) => r.name)).toEqual(['New rule 3', 'Everyone']);
    expect(sent.routing.rules[0]!.assign).toEqual({ type: 'weighted', owners: [{ owner: 'ana', weight: 70 }, { owner: 'ben', weight: 20 }] });
    page.api.pending('/hubspot/ui/routing/validate').answer(400, {
      error: { code: 'INVALID_REQUEST', message: 'settings.routing.rules[0].assign.owners: weights add up to 90, not 100', issues: [{ field: 'settings.routing.rules[0].assign.owners', message: 'weights add up to 90, not 100' }] },
    });
    await page.waitFor(() => expect(page.findByTestId(Text, 'rule-0-owners-message').text).toBe('weights add up to 90, not 100'));

    // A message on one owner goes on that owner's field.
    page.find(NumberInput, { name: 'rule-0-owner-1-weight' }).trigger('onChange', arg(30));
    page.find(Select, { name: 'rule-0-owner-1' }).trigger('onChange', arg(''));
    page.findByTestId(Button, 'check-routing').trigger('onClick');
    await eventually(() => expect(page.api.calls).toHaveLength(4));
    page.api.pending('/hubspot/ui/routing/validate', 1).answer(400, {
      error: { code: 'INVALID_REQUEST', message: 'invalid', issues: [{ field: 'settings.routing.rules[0].assign.owners[1].owner', message: 'is not an id' }] },
    });
    await page.waitFor(() => expect(page.find(Select, { name: 'rule-0-owner-1' }).props).toMatchObject({ error: true, validationMessage: 'is not an id' }));
    expect(page.find(Select, { name: 'rule-0-owner-0' }).props.error).toBe(false);
  });

  it('carries the rules between the form and the JSON box', async () => {
    const page = await loaded();
    page.find(Input, { name: 'rule-1-name' }).trigger('onChange', arg('All the rest'));
    page.findByTestId(Button, 'toggle-json').trigger('onClick');
    await page.waitFor(() => expect(JSON.parse(String(page.find(TextArea, { name: 'routing' }).props.value)).rules[1].name).toBe('All the rest'));
    const edited = JSON.parse(String(page.find(TextArea, { name: 'routing' }).props.value));
    edited.rules[0].name = 'Hottest';
    page.find(TextArea, { name: 'routing' }).trigger('onChange', arg(JSON.stringify(edited)));
    await page.waitFor(() => expect(String(page.find(TextArea, { name: 'routing' }).props.value)).toContain('Hottest'));
    page.findByTestId(Button, 'toggle-json').trigger('onClick');
    await page.waitFor(() => expect(page.find(Input, { name: 'rule-0-name' }).props.value).toBe('Hottest'));
    expect(page.find(Input, { name: 'rule-1-name' }).props.value).toBe('All the rest');
  });
});
