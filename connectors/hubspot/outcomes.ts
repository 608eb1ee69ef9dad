import type { Outcome } from '../../src/domain/index.js';
import type { HubSpotApi } from './api.js';
import { associatedIds } from './activities.js';
import { BATCH_LIMIT, readContacts } from './contacts.js';
import { BatchReadAnswerSchema, text, time, type CrmObject } from './records.js';

export const OUTCOME_CONTACT_PROPERTIES = ['lastmodifieddate', 'lifecyclestage', 'hs_lifecyclestage_opportunity_date', 'hs_lifecyclestage_customer_date', 'hs_lead_status'];
export const DEAL_PROPERTIES = ['dealname', 'amount', 'closedate', 'hs_is_closed', 'hs_is_closed_won', 'hs_lastmodifieddate'];

const isTrue = (v: string | null | undefined) => v === 'true';
const money = (v: string | null | undefined) => {
  const n = Number(text(v));
  return text(v) !== null && Number.isFinite(n) && n >= 0 ? n : null;
};
const earliest = (dates: Array<Date | null>) => dates.filter((d): d is Date => d !== null).sort((a, b) => a.getTime() - b.getTime())[0] ?? null;
const latest = (dates: Array<Date | null>) => dates.filter((d): d is Date => d !== null).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;

/**
 * What became of a contact, from its lifecycle stage dates, lead status and deals:
 * - won (converted): a closed-won deal, or the customer stage; amount = the won deals' total;
 * - lost: no win, and its deals all closed lost, or a disqualified lead status;
 * - open (null): anything else, e.g. a deal still in the pipeline.
 * The time is when the lead left the lead funnel: the opportunity stage date when it came
 * first (sales work after the hand-off must not leak into training), else the decision.
 */
export function outcomeFor(contact: CrmObject, deals: CrmObject[], disqualifiedStatuses: readonly string[]): Outcome | null {
  const p = contact.properties;
  const opportunityAt = time(p.hs_lifecyclestage_opportunity_date);
  const customerAt = time(p.hs_lifecyclestage_customer_date);
  const won = deals.filter((d) => isTrue(d.properties.hs_is_closed_won));
  const lost = deals.filter((d) => isTrue(d.properties.hs_is_closed) && !isTrue(d.properties.hs_is_closed_won));
  const open = deals.filter((d) => !isTrue(d.properties.hs_is_closed));
  const handOff = (decidedAt: Date) => (opportunityAt && opportunityAt < decidedAt ? opportunityAt : decidedAt);

  const wonAt = earliest([customerAt, ...won.map((d) => time(d.properties.closedate))]);
  if (wonAt) {
    const amounts = won.map((d) => money(d.properties.amount)).filter((a): a is number => a !== null);
    return { leadId: contact.id, converted: true, outcomeAt: handOff(wonAt), amount: amounts.length ? amounts.reduce((a, b) => a + b, 0) : null };
  }
  if (lost.length > 0 && open.length === 0) {
    const lostAt = latest(lost.map((d) => time(d.properties.closedate)));
    if (lostAt) return { leadId: contact.id, converted: false, outcomeAt: handOff(lostAt), amount: null };
  }
  const status = text(p.hs_lead_status)?.toLowerCase();
  if (status && open.length === 0 && disqualifiedStatuses.some((s) => s.toLowerCase() === status)) {
    const at = time(p.lastmodifieddate);
    if (at) return { leadId: contact.id, converted: false, outcomeAt: at, amount: null };
  }
  return null;
}

async function readDeals(api: HubSpotApi, ids: readonly string[]): Promise<Map<string, CrmObject>> {
  const out = new Map<string, CrmObject>();
  for (let i = 0; i < ids.length; i += BATCH_LIMIT) {
    const inputs = ids.slice(i, i + BATCH_LIMIT).map((id) => ({ id }));
    const answer = await api.request('the deal batch read', { method: 'POST', path: '/crm/v3/objects/deals/batch/read', body: { properties: DEAL_PROPERTIES, inputs } }, BatchReadAnswerSchema);
    for (const d of answer.results) out.set(d.id, d);
  }
  return out;
}

/**
 * The outcome of each given contact (read again unless passed in), from all its deals: a deal
 * closing changes the outcome of every contact on it, whatever its other deals say.
 */
export async function outcomesOf(api: HubSpotApi, contactIds: readonly string[], disqualified: readonly string[], known: CrmObject[] = []): Promise<Array<{ contact: CrmObject; outcome: Outcome | null }>> {
  const have = new Map(known.map((c) => [c.id, c]));
  const missing = contactIds.filter((id) => !have.has(id));
  for (const c of await readContacts(api, missing, OUTCOME_CONTACT_PROPERTIES)) have.set(c.id, c);
  const contacts = contactIds.map((id) => have.get(id)).filter((c): c is CrmObject => c !== undefined);
  const dealIds = await associatedIds(api, 'contacts', contacts.map((c) => c.id), 'deals');
  const deals = await readDeals(api, [...new Set([...dealIds.values()].flat())]);
  return contacts.map((contact) => {
    const own = (dealIds.get(contact.id) ?? []).map((id) => deals.get(id)).filter((d): d is CrmObject => d !== undefined);
    return { contact, outcome: outcomeFor(contact, own, disqualified) };
  });
}
