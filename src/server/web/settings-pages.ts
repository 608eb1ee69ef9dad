import express, { Router, type Request, type Response } from 'express';
import { KNOWN_ACTIVITY_TYPES } from '../../domain/index.js';
import { currentSettings, MAPPED_LEAD_FIELDS, WRITTEN_FIELDS, type Settings, type SourceFieldMapping } from '../../settings/index.js';
import { checkSettings, isAdmin, saveAs, sendPage, tenantOf, type Issues, type WebDeps } from './context.js';
import { checked, csrfField, fieldIssues, issuesBelow, num, text } from './forms.js';
import { html, type Html } from './html.js';
import { requireAdmin } from './security.js';

const LABELS: Record<(typeof WRITTEN_FIELDS)[number], string> = {
  composite: 'Composite score',
  fit: 'Fit score',
  engagement: 'Engagement score',
  grade: 'Grade',
  tier: 'Tier',
  reasons: 'Reasons',
  nextAction: 'Next action',
  scoredAt: 'Scored at',
  modelVersion: 'Model version',
};

const READ_LABELS: Record<(typeof MAPPED_LEAD_FIELDS)[number], string> = {
  email: 'Email',
  firstName: 'First name',
  lastName: 'Last name',
  title: 'Title',
  company: 'Company',
  industry: 'Industry',
  employees: 'Employees',
  annualRevenue: 'Annual revenue',
  country: 'Country',
  leadSource: 'Lead source',
};

/** "key = value" lines, one a line. */
const pairLines = (m: Record<string, string>) => Object.entries(m).map(([key, value]) => `${key} = ${value}`).join('\n');
/**
 * "key = value" lines split at the first "=" (a field name never holds one) or, for activity
 * types, the last (a HubSpot key may hold one, a type never does).
 */
function parsePairs(value: unknown, at: 'first' | 'last'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text(value).split(/\r?\n/)) {
    if (!line.trim()) continue;
    const i = at === 'first' ? line.indexOf('=') : line.lastIndexOf('=');
    // A line without "=" keeps its text as the key and no value, so the schema's message names it.
    if (i < 0) out[line.trim()] = '';
    else out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

/** How Salesforce records are read into leads: one field per lead value for Leads and for Contacts. */
function salesforceReading(s: Settings, issues: Issues | null): Html {
  const sf = s.salesforce;
  return html`<h2>Reading from Salesforce</h2>
<p class="muted">Which Salesforce field fills each lead value (standard, custom, or through the Account such as <code>Account.Name</code>). Leave one blank to not read it. Fields an org lacks are skipped and named on the connections page.${Object.keys(sf.orgs).length ? html` Orgs with their own mapping (set through the API): ${Object.keys(sf.orgs).join(', ')}.` : ''}</p>
<table class="data edit"><thead><tr><th scope="col">Lead value</th><th scope="col">Lead field</th><th scope="col">Contact field</th></tr></thead><tbody>
${MAPPED_LEAD_FIELDS.map(
  (f) => html`<tr><th scope="row">${READ_LABELS[f]}</th><td><input name="lead_${f}" aria-label="${READ_LABELS[f]} Lead field" value="${sf.leadFields.fields[f] ?? ''}">${fieldIssues(issues, `salesforce.leadFields.fields.${f}`)}</td>
<td><input name="contact_${f}" aria-label="${READ_LABELS[f]} Contact field" value="${sf.contactFields.fields[f] ?? ''}">${fieldIssues(issues, `salesforce.contactFields.fields.${f}`)}</td></tr>`,
)}</tbody></table>
<div class="row"><label><span>Lead custom attributes (one <code>name = Field__c</code> a line)</span> <textarea name="lead_attributes" rows="3">${pairLines(sf.leadFields.attributes)}</textarea></label>${issuesBelow(issues, 'salesforce.leadFields.attributes')}</div>
<div class="row"><label>Contact custom attributes <textarea name="contact_attributes" rows="3">${pairLines(sf.contactFields.attributes)}</textarea></label>${issuesBelow(issues, 'salesforce.contactFields.attributes')}</div>
<div class="row"><label class="inline-check"><input type="checkbox" name="sync_contacts" value="on"${checked(sf.syncContacts)}> Sync Contacts too (their activities, deletions and score fields)</label></div>
<div class="row"><label class="inline-check"><input type="checkbox" name="create_missing_fields" value="on"${checked(sf.createMissingFields)}> On connect, create the Leadscore fields an org lacks (turn off for orgs with the package)</label></div>`;
}

const valueLines = (values: readonly string[]) => values.join('\n');
const parseValues = (value: unknown) =>
  text(value)
    .split(/\r?\n/)
    .map((v) => v.trim())
    .filter(Boolean);

/** Which CRM records become which activities, and which lead statuses are outcomes that did not convert. */
function activityMapping(s: Settings, issues: Issues | null): Html {
  return html`<p class="muted">One mapping a line, <code>key = activity type</code>; <code>*</code> (Salesforce) or <code>kind:*</code> (HubSpot) as the key stands for any other; a record whose key is not mapped is not read. Activity types the features know: ${KNOWN_ACTIVITY_TYPES.map((t, i) => html`${i ? ', ' : ''}<code>${t}</code>`)}; other types are kept and counted as other activity.</p>
<h2>Salesforce</h2>
<div class="row"><label><span>Task subtype (<code>Call = call</code>)</span> <textarea name="sf_task_types" rows="4">${pairLines(s.salesforce.taskTypes)}</textarea></label>${issuesBelow(issues, 'salesforce.taskTypes')}</div>
<div class="row"><label><span>Campaign type of a responded campaign member (<code>Webinar = webinar_attended</code>)</span> <textarea name="sf_campaign_types" rows="4">${pairLines(s.salesforce.campaignTypes)}</textarea></label>${issuesBelow(issues, 'salesforce.campaignTypes')}</div>
<div class="row"><label><span>Lead statuses that mean disqualified (one a line)</span> <textarea name="sf_disqualified" rows="3">${valueLines(s.salesforce.disqualifiedStatuses)}</textarea></label>${issuesBelow(issues, 'salesforce.disqualifiedStatuses')}</div>
<h2>HubSpot</h2>
<div class="row"><label><span>Engagement <code>kind:subtype = type</code> (kinds: email, call, meeting, note, form, marketing_email, page_view; e.g. <code>form:Request a demo = demo_request</code>, <code>page_view:/pricing = pricing_page_view</code>)</span> <textarea name="hs_activity_types" rows="6">${pairLines(s.hubspot.activityTypes)}</textarea></label>${issuesBelow(issues, 'hubspot.activityTypes')}</div>
<div class="row"><label><span>Lead statuses (hs_lead_status) that mean disqualified (one a line)</span> <textarea name="hs_disqualified" rows="3">${valueLines(s.hubspot.disqualifiedStatuses)}</textarea></label>${issuesBelow(issues, 'hubspot.disqualifiedStatuses')}</div>`;
}

const readMapping = (body: Record<string, unknown>, prefix: 'lead' | 'contact'): SourceFieldMapping => ({
  fields: Object.fromEntries(MAPPED_LEAD_FIELDS.map((f) => [f, text(body[`${prefix}_${f}`]) || null])),
  attributes: parsePairs(body[`${prefix}_attributes`], 'first'),
});

interface SettingsSection {
  path: string;
  title: string;
  /** The section's form body for these settings and issues. */
  fields: (settings: Settings, issues: Issues | null) => Html;
  /** The settings with the posted section in place. */
  apply: (current: Settings, body: Record<string, unknown>) => unknown;
}

const SECTIONS: SettingsSection[] = [
  {
    path: '/mappings',
    title: 'Field mappings',
    fields: (s, issues) => html`<p class="muted">Where each value is written: a Salesforce custom field on Lead and Contact, a HubSpot contact property. Leave one blank to not write it.</p>
<table class="data edit"><thead><tr><th scope="col">Value</th><th scope="col">Salesforce field</th><th scope="col">HubSpot property</th></tr></thead><tbody>
${WRITTEN_FIELDS.map(
  (f) => html`<tr><th scope="row">${LABELS[f]}</th><td><input name="sf_${f}" aria-label="${LABELS[f]} Salesforce field" value="${s.fieldMappings.salesforce[f] ?? ''}">${fieldIssues(issues, `fieldMappings.salesforce.${f}`)}</td>
<td><input name="hs_${f}" aria-label="${LABELS[f]} HubSpot property" value="${s.fieldMappings.hubspot[f] ?? ''}">${fieldIssues(issues, `fieldMappings.hubspot.${f}`)}</td></tr>`,
)}</tbody></table>
${salesforceReading(s, issues)}`,
    apply: (current, body) => ({
      ...current,
      fieldMappings: {
        salesforce: Object.fromEntries(WRITTEN_FIELDS.map((f) => [f, text(body[`sf_${f}`]) || null])),
        hubspot: Object.fromEntries(WRITTEN_FIELDS.map((f) => [f, text(body[`hs_${f}`]) || null])),
      },
      salesforce: {
        ...current.salesforce,
        leadFields: readMapping(body, 'lead'),
        contactFields: readMapping(body, 'contact'),
        syncContacts: body.sync_contacts === 'on',
        createMissingFields: body.create_missing_fields === 'on',
      },
    }),
  },
  {
    path: '/activities',
    title: 'Activity mapping',
    fields: (s, issues) => activityMapping(s, issues),
    apply: (current, body) => ({
      ...current,
      salesforce: {
        ...current.salesforce,
        taskTypes: parsePairs(body.sf_task_types, 'last'),
        campaignTypes: parsePairs(body.sf_campaign_types, 'last'),
        disqualifiedStatuses: parseValues(body.sf_disqualified),
      },
      hubspot: { ...current.hubspot, activityTypes: parsePairs(body.hs_activity_types, 'last'), disqualifiedStatuses: parseValues(body.hs_disqualified) },
    }),
  },
  {
    path: '/schedules',
    title: 'Schedules',
    fields: (s, issues) => html`<p class="muted">Cron expressions (minute hour day month weekday) in the time zone below.</p>
<div class="row"><label>Rescore every open lead <input name="rescore" value="${s.schedules.rescore}"></label>${fieldIssues(issues, 'schedules.rescore')}</div>
<div class="row"><label>Sync from the CRMs <input name="sync" value="${s.schedules.sync}"></label>${fieldIssues(issues, 'schedules.sync')}</div>
<div class="row"><label>Retrain on new outcomes <input name="retrain" value="${s.schedules.retrain}"></label>${fieldIssues(issues, 'schedules.retrain')}</div>
<div class="row"><label>Monitor accuracy and drift <input name="monitor" value="${s.schedules.monitor}"></label>${fieldIssues(issues, 'schedules.monitor')}</div>
<div class="row"><label>Time zone <input name="timezone" value="${s.schedules.timezone}"></label>${fieldIssues(issues, 'schedules.timezone')}</div>
<div class="row"><label>Write again after a change of at least (points) <input name="min_score_change" type="number" min="0" max="100" step="any" value="${s.writeback.minScoreChange}"></label>${fieldIssues(issues, 'writeback.minScoreChange')}</div>`,
    apply: (current, body) => ({
      ...current,
      schedules: { rescore: text(body.rescore), sync: text(body.sync), retrain: text(body.retrain), monitor: text(body.monitor), timezone: text(body.timezone) },
      writeback: { minScoreChange: num(body.min_score_change) },
    }),
  },
];

/** Settings sections edited as plain forms: field mappings, activity mapping and schedules. */
export function settingsRouter(deps: WebDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '64kb' });
  for (const section of SECTIONS) {
    const render = (req: Request, res: Response, settings: Settings, version: number, issues: Issues | null, flash: { kind: 'ok' | 'error'; text: string } | null, status = 200) =>
      sendPage(req, res, deps, {
        title: section.title,
        active: `/app${section.path}`,
        status,
        flash,
        body: html`<form method="post" action="/app${section.path}" class="card">${csrfField(req.web!.csrfToken)}<input type="hidden" name="expected_version" value="${version}">
${section.fields(settings, issues)}
<div class="actions">${isAdmin(req) ? html`<button type="submit">Save</button>` : html`<span class="muted">You are a viewer: only admins change these.</span>`}</div></form>`,
      });

    router.get(section.path, async (req, res, next) => {
      try {
        const current = await currentSettings(deps.db, tenantOf(req));
        const saved = Number(req.query.saved);
        render(req, res, current.settings, current.version, null, Number.isInteger(saved) && saved > 0 ? { kind: 'ok', text: `Saved as version ${saved}.` } : null);
      } catch (err) {
        next(err);
      }
    });

    router.post(section.path, form, requireAdmin, async (req, res, next) => {
      try {
        const body = req.body as Record<string, unknown>;
        const current = await currentSettings(deps.db, tenantOf(req));
        const draft = section.apply(current.settings, body);
        const checked = checkSettings(draft);
        if (checked.issues) return render(req, res, draft as Settings, current.version, checked.issues, { kind: 'error', text: 'Not saved: fix the fields marked below.' }, 400);
        const expected = num(body.expected_version);
        const saved = await saveAs(req, deps, checked.settings, Number.isInteger(expected) ? expected : undefined);
        res.redirect(303, `/app${section.path}?saved=${saved.version}`);
      } catch (err) {
        next(err);
      }
    });
  }
  return router;
}
