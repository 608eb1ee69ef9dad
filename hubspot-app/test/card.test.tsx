import { Alert, Button, EmptyState, ErrorState, LineChart, List, LoadingSpinner, ScoreCircle, Select, StatisticsItem, StatisticsTrend, Tag, Text, TextArea } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { describe, expect, it } from 'vitest';
import { LeadScoreCard } from '../src/app/cards/LeadScoreCard';
import type { ContactScore } from '../src/app/cards/leadscore-api';
import { probabilityInWords, tierVariant } from '../src/app/cards/words';
import { eventually, fakeFetch, settle } from './fake-fetch';

const SCORE_PATH = '/hubspot/ui/contacts/123/score';
/** The renderer types trigger's argument as the handler itself; the handler is called with it as its value. */
const arg = (value: string) => value as never;

/** An answer shaped like GET /hubspot/ui/contacts/:id/score (src/server/hubspot-ui-routes.ts). */
function scored(composite: number, overrides: Partial<Extract<ContactScore['score'], { status: 'scored' }>> = {}): ContactScore {
  return {
    source: 'hubspot',
    lead_id: '123',
    tiers: ['Hot', 'Warm', 'Nurture'],
    score: {
      status: 'scored',
      lead_id: '123',
      composite,
      fit: 81,
      engagement: 64,
      probability: composite / 100,
      grade: 'A2',
      tier: composite >= 60 ? 'Hot' : 'Nurture',
      reasons: [
        { text: 'Asked for a demo 2 days ago', weight: 0.91, direction: 'positive', feature: 'demo_requests_30d' },
        { text: 'VP-level title in Sales', weight: 0.52, direction: 'positive', feature: 'seniority' },
        { text: 'No email opens in 60 days', weight: -0.33, direction: 'negative', feature: 'email_opens_60d' },
      ],
      next_action: 'Call within 1 hour: asked for a demo 2 days ago',
      model_version: 'acme-2026-11-20',
      scored_at: '2026-11-25T09:30:00Z',
      ...overrides,
    },
    history: [
      { scored_at: '2026-11-25T09:30:00Z', status: 'scored', composite, tier: 'Hot' },
      { scored_at: '2026-11-18T09:30:00Z', status: 'scored', composite: composite - 12, tier: 'Warm' },
      { scored_at: '2026-11-11T09:30:00Z', status: 'scored', composite: composite - 20, tier: 'Nurture' },
    ],
  };
}

function renderCard() {
  const renderer = createRenderer('crm.record.tab');
  const api = fakeFetch();
  renderer.render(<LeadScoreCard context={renderer.mocks.context} fetcher={api.fetcher} />);
  return { ...renderer, api };
}

describe('the Leadscore contact card', () => {
  it('shows a spinner while the score loads, asking the app for the contact on the record', async () => {
    const { find, maybeFind, api } = renderCard();
    expect(find(LoadingSpinner).props.label).toMatch(/Loading/);
    await eventually(() => expect(api.calls).toHaveLength(1));
    expect(api.calls[0]!.url).toBe(`https://leadscore.example.com${SCORE_PATH}`);
    expect(maybeFind(ScoreCircle)).toBeNull();
  });

  it('shows composite, tier, fit, engagement, grade, probability in words, reasons, next action, model and trend', async () => {
    const { find, findAll, findByTestId, maybeFind, api, waitFor } = renderCard();
    await eventually(() => expect(api.calls).toHaveLength(1));
    api.pending(SCORE_PATH).answer(200, scored(72));
    await waitFor(() => expect(find(ScoreCircle).props.score).toBe(72));

    expect(maybeFind(LoadingSpinner)).toBeNull();
    expect(findByTestId(Tag, 'tier')).toMatchObject({ text: 'Hot', props: { variant: 'success' } });
    expect(findByTestId(Text, 'probability').text).toBe('About 7 in 10 similar leads converted');
    const stats = Object.fromEntries(findAll(StatisticsItem).map((s) => [s.props.label, s.props.number]));
    expect(stats).toEqual({ Composite: 72, Fit: 81, Engagement: 64, Grade: 'A2' });
    expect(find(StatisticsTrend).props).toMatchObject({ direction: 'increase', value: '12 since the previous score' });
    expect(findByTestId(List, 'positive-reasons').findAll(Text).map((t) => t.text)).toEqual(['Asked for a demo 2 days ago', 'VP-level title in Sales']);
    expect(findByTestId(List, 'negative-reasons').findAll(Text).map((t) => t.text)).toEqual(['No email opens in 60 days']);
    expect(findByTestId(Text, 'next-action').text).toContain('Call within 1 hour: asked for a demo 2 days ago');
    // The mocked portal's time zone is America/New_York.
    expect(findByTestId(Text, 'scored-by').text).toBe('Scored Nov 25, 2026, 4:30 AM by model acme-2026-11-20');
    const trend = find(LineChart);
    expect(trend.props.data).toEqual([
      { scored: '2026-11-11T09:30:00Z', composite: 52 },
      { scored: '2026-11-18T09:30:00Z', composite: 60 },
      { scored: '2026-11-25T09:30:00Z', composite: 72 },
    ]);
  });

  it('says "not scored yet" with the reason when the contact has no score', async () => {
    const { find, maybeFind, api, waitFor } = renderCard();
    await eventually(() => expect(api.calls).toHaveLength(1));
    api.pending(SCORE_PATH).answer(200, { source: 'hubspot', lead_id: '123', tiers: ['Hot', 'Warm', 'Nurture'], history: [], score: { status: 'not_scored', lead_id: '123', reason: 'Leadscore has not read this contact yet; it is scored after the next sync', scored_at: '2026-11-25T09:30:00Z' } });
    await waitFor(() => expect(find(EmptyState).props.title).toBe('Not scored yet'));
    expect(find(EmptyState).find(Text).text).toMatch(/has not read this contact yet/);
    expect(maybeFind(ScoreCircle)).toBeNull();
    expect(maybeFind(Button, { testId: 'looks-wrong' })).toBeNull();
  });

  it('shows the server\'s message when the score cannot be loaded, and loads again on "Try again"', async () => {
    const { find, api, waitFor } = renderCard();
    await eventually(() => expect(api.calls).toHaveLength(1));
    api.pending(SCORE_PATH).answer(404, { error: { code: 'PORTAL_NOT_CONNECTED', message: 'HubSpot portal 123 is not connected to Leadscore; install the app in that portal (or connect it) first' } });
    await waitFor(() => expect(find(ErrorState).props.title).toMatch(/could not load/));
    expect(find(ErrorState).find(Text).text).toMatch(/portal 123 is not connected/);

    find(ErrorState).find(Button).trigger('onClick');
    await eventually(() => expect(api.calls).toHaveLength(2));
    api.pending(SCORE_PATH, 1).answer(200, scored(40));
    await waitFor(() => expect(find(ScoreCircle).props.score).toBe(40));
  });

  it('shows a network failure as an error too', async () => {
    const { find, api, waitFor } = renderCard();
    await eventually(() => expect(api.calls).toHaveLength(1));
    api.pending(SCORE_PATH).fail(new Error('request timed out'));
    await waitFor(() => expect(find(ErrorState).find(Text).text).toBe('Leadscore did not answer (request timed out)'));
  });
});

describe('refreshing', () => {
  it('keeps the newest score when an older request answers last', async () => {
    const { find, findByTestId, api, waitFor } = renderCard();
    await eventually(() => expect(api.calls).toHaveLength(1));
    api.pending(SCORE_PATH).answer(200, scored(55));
    await waitFor(() => expect(find(ScoreCircle).props.score).toBe(55));

    findByTestId(Button, 'refresh').trigger('onClick');
    await eventually(() => expect(api.calls).toHaveLength(2));
    findByTestId(Button, 'refresh').trigger('onClick');
    await eventually(() => expect(api.calls).toHaveLength(3));
    // The newest (third) request answers first; the second answers afterwards with an old score.
    api.pending(SCORE_PATH, 2).answer(200, scored(81));
    await waitFor(() => expect(find(ScoreCircle).props.score).toBe(81));
    api.pending(SCORE_PATH, 1).answer(200, scored(12));
    await settle();
    expect(find(ScoreCircle).props.score).toBe(81);
    expect(findByTestId(Tag, 'tier').text).toBe('Hot');
  });
});

describe('"This score looks wrong"', () => {
  async function openFeedback() {
    const card = renderCard();
    await eventually(() => expect(card.api.calls).toHaveLength(1));
    card.api.pending(SCORE_PATH).answer(200, scored(72));
    await card.waitFor(() => expect(card.find(ScoreCircle).props.score).toBe(72));
    card.findByTestId(Button, 'looks-wrong').trigger('onClick');
    await card.waitFor(() => expect(card.find(Select).props.label).toMatch(/What is wrong/));
    return card;
  }

  it('sends the reason and comment to the app and thanks the rep', async () => {
    const { find, findByTestId, api, waitFor } = await openFeedback();
    expect(findByTestId(Button, 'send-feedback').props.disabled).toBe(true);
    find(Select).trigger('onChange', arg('too_high'));
    find(TextArea).trigger('onChange', arg('  Student, not a buyer '));
    await waitFor(() => expect(findByTestId(Button, 'send-feedback').props.disabled).toBe(false));
    findByTestId(Button, 'send-feedback').trigger('onClick');
    await eventually(() => expect(api.calls).toHaveLength(2));
    const call = api.pending('/hubspot/ui/contacts/123/feedback');
    expect(call.options).toMatchObject({ method: 'POST', body: { reason: 'too_high', comment: 'Student, not a buyer' } });
    call.answer(201, { id: 'fb_1', lead_id: '123', reason: 'too_high', created_at: '2026-11-25T10:00:00Z' });
    await waitFor(() => expect(find(Alert).props).toMatchObject({ title: 'Thanks, feedback sent', variant: 'success' }));
  });

  it('shows why feedback was not stored', async () => {
    const { find, findByTestId, api, waitFor } = await openFeedback();
    find(Select).trigger('onChange', arg('wrong_reasons'));
    await waitFor(() => expect(findByTestId(Button, 'send-feedback').props.disabled).toBe(false));
    findByTestId(Button, 'send-feedback').trigger('onClick');
    await eventually(() => expect(api.calls).toHaveLength(2));
    expect(api.pending('/hubspot/ui/contacts/123/feedback').options?.body).toEqual({ reason: 'wrong_reasons' });
    api.pending('/hubspot/ui/contacts/123/feedback').answer(501, { error: { code: 'NOT_IMPLEMENTED', message: 'this Leadscore server does not store score feedback yet; nothing was saved' } });
    await waitFor(() => expect(find(Alert).props).toMatchObject({ title: 'Feedback was not sent', variant: 'error' }));
    expect(find(Alert).text).toMatch(/does not store score feedback yet/);
  });
});

describe('wording', () => {
  it('says probabilities in tens, and in hundreds at the ends', () => {
    expect(probabilityInWords(0.31)).toBe('about 3 in 10 similar leads converted');
    expect(probabilityInWords(0.05)).toBe('about 1 in 10 similar leads converted');
    expect(probabilityInWords(0.03)).toBe('about 3 in 100 similar leads converted');
    expect(probabilityInWords(0.001)).toBe('fewer than 1 in 100 similar leads converted');
    expect(probabilityInWords(0.97)).toBe('about 97 in 100 similar leads converted');
    expect(probabilityInWords(0.999)).toBe('about 99 in 100 similar leads converted');
  });

  it('colours the top tier, the middle ones and the last one differently', () => {
    const tiers = ['Hot', 'Warm', 'Nurture'];
    expect([tierVariant('Hot', tiers), tierVariant('warm', tiers), tierVariant('Nurture', tiers), tierVariant('Gone', tiers)]).toEqual(['success', 'warning', 'default', 'default']);
  });
});
