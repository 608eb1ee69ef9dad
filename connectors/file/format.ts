import { z } from 'zod';
import { normalizeActivityType, type Activity, type Lead, type Outcome } from '../../src/domain/index.js';
import {
  optionalAmount,
  optionalText,
  optionalWholeNumber,
  requiredBoolean,
  requiredDate,
  requiredText,
} from './values.js';

/**
 * The CSV bundle format: which files, which columns, which are required, and how a row becomes a
 * domain record. Header names are matched after trimming, lower-casing and turning spaces and
 * hyphens into "_", so "Created At" is created_at.
 */
export interface FileSpec<T> {
  file: string;
  /** Known columns in the order the generator writes them. */
  columns: readonly string[];
  required: readonly string[];
  /** Whether columns beyond the known ones are kept (as lead attributes) or ignored. */
  keepsExtraColumns: boolean;
  row: z.ZodType<Record<string, unknown>>;
  toRecord(row: Record<string, unknown>, extra: Record<string, string>): T;
  /** The record's identity within the file, for files where an id may appear once. */
  identity: ((record: T) => string) | null;
}

export const LEAD_COLUMNS = [
  'id',
  'created_at',
  'email',
  'first_name',
  'last_name',
  'title',
  'company',
  'industry',
  'employees',
  'annual_revenue',
  'country',
  'lead_source',
] as const;

const leadRow = z.object({
  id: requiredText,
  created_at: requiredDate,
  email: optionalText,
  first_name: optionalText,
  last_name: optionalText,
  title: optionalText,
  company: optionalText,
  industry: optionalText,
  employees: optionalWholeNumber,
  annual_revenue: optionalAmount,
  country: optionalText,
  lead_source: optionalText,
});

export const leadsFile: FileSpec<Lead> = {
  file: 'leads.csv',
  columns: LEAD_COLUMNS,
  required: ['id', 'created_at'],
  keepsExtraColumns: true,
  row: leadRow,
  toRecord(raw, extra) {
    const r = raw as z.infer<typeof leadRow>;
    return {
      id: r.id,
      createdAt: r.created_at,
      email: r.email?.toLowerCase() ?? null,
      firstName: r.first_name,
      lastName: r.last_name,
      title: r.title,
      company: r.company,
      industry: r.industry,
      employees: r.employees,
      annualRevenue: r.annual_revenue,
      country: r.country,
      leadSource: r.lead_source,
      attributes: extra,
    };
  },
  identity: (lead) => lead.id,
};

export const ACTIVITY_COLUMNS = ['lead_id', 'type', 'occurred_at', 'channel', 'detail'] as const;

const activityRow = z.object({
  lead_id: requiredText,
  type: requiredText.transform(normalizeActivityType).pipe(
    z.string().regex(/^[a-z0-9_.:/]{1,100}$/, 'is not an activity type: use words such as page_view or demo_request'),
  ),
  occurred_at: requiredDate,
  channel: optionalText,
  detail: optionalText.pipe(z.string().max(2000, 'is longer than 2000 characters').nullable()),
});

export const activitiesFile: FileSpec<Activity> = {
  file: 'activities.csv',
  columns: ACTIVITY_COLUMNS,
  required: ['lead_id', 'type', 'occurred_at'],
  keepsExtraColumns: false,
  row: activityRow,
  toRecord(raw) {
    const r = raw as z.infer<typeof activityRow>;
    return { leadId: r.lead_id, type: r.type, occurredAt: r.occurred_at, channel: r.channel, detail: r.detail };
  },
  identity: null,
};

export const OUTCOME_COLUMNS = ['lead_id', 'converted', 'outcome_at', 'amount'] as const;

const outcomeRow = z.object({
  lead_id: requiredText,
  converted: requiredBoolean,
  outcome_at: requiredDate,
  amount: optionalAmount,
});

export const outcomesFile: FileSpec<Outcome> = {
  file: 'outcomes.csv',
  columns: OUTCOME_COLUMNS,
  required: ['lead_id', 'converted', 'outcome_at'],
  keepsExtraColumns: false,
  row: outcomeRow,
  toRecord(raw) {
    const r = raw as z.infer<typeof outcomeRow>;
    return { leadId: r.lead_id, converted: r.converted, outcomeAt: r.outcome_at, amount: r.amount };
  },
  identity: (outcome) => outcome.leadId,
};

export function normalizeHeader(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}
