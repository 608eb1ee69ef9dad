import { validate as validCron } from 'node-cron';
import { z } from 'zod';
import { checkRouting, checkRoutingTiers, routingShape } from './routing.js';

/** The scores a tenant can steer by. */
export const SCORE_NAMES = ['composite', 'fit', 'engagement'] as const;
export type ScoreName = (typeof SCORE_NAMES)[number];

/** What Leadscore writes to a CRM record; each maps to a field (Salesforce) or property (HubSpot). */
export const WRITTEN_FIELDS = ['composite', 'fit', 'engagement', 'grade', 'tier', 'reasons', 'nextAction', 'scoredAt', 'modelVersion'] as const;
export type WrittenField = (typeof WRITTEN_FIELDS)[number];

const TierSchema = z
  .object({
    name: z.string().trim().min(1).max(40),
    /** A lead is in the first tier whose minimum it reaches (a score 0-100, or a percentile 0-100). */
    min: z.number().min(0).max(100),
    /** What a rep should do with a lead of this tier; the lead's strongest reason is appended. */
    action: z.string().trim().min(1).max(200),
  })
  .strict();

/** Three descending cut-offs: A (or 1) at or above the first, B above the second, C above the third, D below. */
const CutoffsSchema = z.tuple([z.number().gt(0).lt(100), z.number().gt(0).lt(100), z.number().gt(0).lt(100)]);

const cron = z
  .string()
  .trim()
  .refine((v) => validCron(v), { message: 'is not a cron expression (five fields: minute hour day month weekday, e.g. "0 3 * * *")' });

const salesforceField = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}__c$/, 'is not a Salesforce custom field API name (e.g. "Leadscore_Composite__c")');
/** A Salesforce field to read, standard or custom, or one through a lookup ("Account.Name", "Parent__r.Tier__c"). */
const salesforceReadField = z
  .string()
  .regex(/^([A-Za-z][A-Za-z0-9_]{0,79}\.)?[A-Za-z][A-Za-z0-9_]{0,79}$/, 'is not a Salesforce field API name (e.g. "Industry", "Segment__c", or "Account.Name" through a lookup)');
/** The domain lead's fields a Salesforce field can fill. */
export const MAPPED_LEAD_FIELDS = ['email', 'firstName', 'lastName', 'title', 'company', 'industry', 'employees', 'annualRevenue', 'country', 'leadSource'] as const;
/** Salesforce field per domain lead field (null: not read), and custom attributes kept under their own name. */
const sourceFieldMapping = z
  .object({
    fields: z.record(z.string(), salesforceReadField.nullable()).superRefine((fields, ctx) => {
      for (const key of Object.keys(fields)) {
        if (!(MAPPED_LEAD_FIELDS as readonly string[]).includes(key)) ctx.addIssue({ code: 'custom', path: [key], message: `is not a lead field (one of ${MAPPED_LEAD_FIELDS.join(', ')})` });
      }
    }) as unknown as z.ZodType<Partial<Record<(typeof MAPPED_LEAD_FIELDS)[number], string | null>>>,
    // Keys are checked here rather than by the record's key schema, whose message would not name the key.
    attributes: z.record(z.string(), salesforceReadField).superRefine((attributes, ctx) => {
      for (const name of Object.keys(attributes)) {
        if (!/^[a-z][a-z0-9_]{0,62}$/.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: `"${name}" is not an attribute name (lower case letters, digits and "_")` });
      }
    }),
  })
  .strict();
export type SourceFieldMapping = z.infer<typeof sourceFieldMapping>;
export const DEFAULT_LEAD_FIELDS: SourceFieldMapping = {
  fields: { email: 'Email', firstName: 'FirstName', lastName: 'LastName', title: 'Title', company: 'Company', industry: 'Industry', employees: 'NumberOfEmployees', annualRevenue: 'AnnualRevenue', country: 'Country', leadSource: 'LeadSource' },
  attributes: {},
};
export const DEFAULT_CONTACT_FIELDS: SourceFieldMapping = {
  fields: {
    email: 'Email',
    firstName: 'FirstName',
    lastName: 'LastName',
    title: 'Title',
    company: 'Account.Name',
    industry: 'Account.Industry',
    employees: 'Account.NumberOfEmployees',
    annualRevenue: 'Account.AnnualRevenue',
    country: 'MailingCountry',
    leadSource: 'LeadSource',
  },
  attributes: {},
};
const clone = <T>(v: T): T => structuredClone(v);

const hubspotProperty = z.string().regex(/^[a-z][a-z0-9_]{0,99}$/, 'is not a HubSpot property name (lower case letters, digits and "_")');

function mappingSchema(field: z.ZodString) {
  // null: that value is not written to this CRM.
  return z.partialRecord(z.enum(WRITTEN_FIELDS), field.nullable()).superRefine((mapping, ctx) => {
    const seen = new Map<string, string>();
    for (const [key, target] of Object.entries(mapping)) {
      if (!target) continue;
      const lower = target.toLowerCase();
      if (seen.has(lower)) ctx.addIssue({ code: 'custom', path: [key], message: `writes to "${target}", which ${seen.get(lower)} already writes to` });
      seen.set(lower, key);
    }
  });
}

const activityType = z.string().regex(/^[a-z0-9_.:/]+$/, 'is not an activity type (lower case words joined by "_", e.g. "webinar_attended")');
/** HubSpot activity mapping keys: "kind:subtype" (the message names the key, which a record key schema would not). */
const hubspotActivityTypes = z.record(z.string().min(1).max(220), activityType).superRefine((mapping, ctx) => {
  for (const key of Object.keys(mapping)) {
    if (!/^(email|call|meeting|note|form|marketing_email|page_view):.{1,200}$/.test(key)) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'is not "kind:subtype" with a kind of email, call, meeting, note, form, marketing_email or page_view (e.g. "form:Request a demo", "call:*", "page_view:/pricing")' });
    }
  }
});

export const SettingsSchema = z
  .object({
    tiers: z
      .object({
        /** 'score': minimums are scores 0-100; 'percentile': minimums are percentiles of the model's scores. */
        basis: z.enum(['score', 'percentile']),
        /** The score tiers are cut from. */
        score: z.enum(SCORE_NAMES),
        /** Highest first; the last one's minimum is 0, so every lead lands in a tier. */
        levels: z.array(TierSchema).min(2).max(6),
      })
      .strict(),
    grades: z
      .object({
        /** 'model': quartiles of the model's training scores; 'score' or 'percentile': the cut-offs below. */
        basis: z.enum(['model', 'score', 'percentile']),
        fit: CutoffsSchema,
        engagement: CutoffsSchema,
      })
      .strict(),
    routing: z.object({ score: z.enum(SCORE_NAMES), ...routingShape }).strict().superRefine(checkRouting),
    writeback: z
      .object({
        /** Points of the tier's score a lead must move since its last write before it is written again (a tier or grade change always is). */
        minScoreChange: z.number().min(0).max(100),
      })
      .strict(),
    engagement: z
      .object({
        /** Half-life of the time-decayed engagement totals; it takes effect with the next trained model. */
        halfLifeDays: z.number().min(1).max(365),
      })
      .strict(),
    /** Retraining and promotion (the schedule is schedules.retrain). Absent in settings saved before it existed: the defaults. */
    learning: z
      .object({
        /** Outcomes a tenant needs before it gets models of its own; until then the shipped default scores. The trainer needs 300. */
        minOutcomes: z.number().int().min(300).max(1_000_000),
        /** Only outcomes decided in the last this-many days train a model (what predicts conversion drifts). */
        windowDays: z.number().int().min(30).max(3650),
        /** An outcome this many days older than the newest counts half in training. */
        recencyHalfLifeDays: z.number().min(7).max(3650),
        /** Share of the newest outcomes held out to compare champion and challenger. */
        holdoutShare: z.number().min(0.1).max(0.5),
        /** AUC points by which a challenger must beat the champion on the held-out outcomes to be promoted. */
        promotionMargin: z.number().min(0).max(0.2),
        /**
         * The live A/B split: while enabled, a share of the open leads (each lead by a hash of tenant and
         * lead id, so it stays in its arm) is also scored by the newest challenger, and both arms are
         * reported on the outcomes as they arrive. Absent in settings saved before it existed: off.
         */
        abTest: z
          .object({
            enabled: z.boolean(),
            /** Share of leads in the challenger's arm, at most half (the champion keeps the majority). */
            share: z.number().min(0, 'must be between 0 and 0.5 (a share of the leads)').max(0.5, 'must be between 0 and 0.5: the challenger may score at most half of the leads'),
            /**
             * Whose score the CRM (and the record cards) get for leads in the challenger's arm: "champion" (the
             * challenger's score is stored beside it, for the report only) or "challenger".
             */
            writes: z.enum(['champion', 'challenger']),
          })
          .strict()
          .superRefine((ab, ctx) => {
            if (ab.enabled && ab.share === 0) ctx.addIssue({ code: 'custom', path: ['share'], message: 'is 0 while the A/B test is enabled: no lead would be scored by the challenger; set a share above 0 (at most 0.5) or disable the test' });
          })
          .default(() => ({ ...DEFAULT_AB_TEST })),
      })
      .strict()
      .default(() => ({ ...DEFAULT_LEARNING })),
    fieldMappings: z.object({ salesforce: mappingSchema(salesforceField), hubspot: mappingSchema(hubspotProperty) }).strict(),
    /** How Salesforce records become activities and outcomes. */
    salesforce: z
      .object({
        /** Lead statuses that mean the lead was disqualified: an outcome that did not convert. */
        disqualifiedStatuses: z.array(z.string().trim().min(1).max(255)).max(50),
        /** Task subtype (Call, Email, ...) to activity type; "*" for any other. */
        taskTypes: z.record(z.string().min(1).max(80), activityType),
        /** Campaign type of a responded campaign member to activity type; "*" for any other. */
        campaignTypes: z.record(z.string().min(1).max(80), activityType),
        /** Lead fields read into the domain lead (settings saved before this existed: the standard fields). */
        leadFields: sourceFieldMapping.default(() => clone(DEFAULT_LEAD_FIELDS)),
        /** Contacts synced like leads (their tasks, events and campaign responses too) and written back to. */
        syncContacts: z.boolean().default(false),
        /** Contact fields read into the domain lead (company and size through the Account by default). */
        contactFields: sourceFieldMapping.default(() => clone(DEFAULT_CONTACT_FIELDS)),
        /**
         * Per-org read mappings, by Salesforce org id, for a tenant with several orgs whose fields differ:
         * a mapping named here replaces leadFields / contactFields for that org only.
         */
        orgs: z
          .record(z.string(), z.object({ leadFields: sourceFieldMapping.optional(), contactFields: sourceFieldMapping.optional() }).strict())
          .superRefine((orgs, ctx) => {
            for (const id of Object.keys(orgs)) {
              if (!/^00D[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/.test(id)) ctx.addIssue({ code: 'custom', path: [id], message: `"${id}" must be a Salesforce org id (15 or 18 characters starting with 00D)` });
            }
          })
          .default({}),
        /** On connect, create the Leadscore fields an org lacks with the Metadata API (false for orgs with the package). */
        createMissingFields: z.boolean().default(true),
        /** A writeback run with more records than this goes through a Bulk API 2.0 ingest job instead of collections of 200. */
        bulkWriteThreshold: z.number().int().min(200).max(100_000_000).default(10_000),
      })
      .strict(),
    /** How HubSpot records become activities and outcomes. */
    hubspot: z
      .object({
        /** Lead status values (hs_lead_status) that mean the lead was disqualified: an outcome that did not convert. */
        disqualifiedStatuses: z.array(z.string().trim().min(1).max(255)).max(50),
        /** "kind:subtype" to activity type, "kind:*" for any other subtype of the kind; kinds not named are not read. */
        activityTypes: hubspotActivityTypes,
        /** Days a portal's data is kept after the app was uninstalled (a reinstall within them resumes); settings saved before it existed get 30. */
        retentionDays: z.number().int().min(1).max(365).default(30),
      })
      .strict(),
    schedules: z
      .object({
        /** Batch rescoring of every open lead (engagement decays without new activity). */
        rescore: cron,
        /** Incremental sync from each connected CRM. */
        sync: cron,
        /** Retraining on new outcomes. */
        retrain: cron,
        /** Daily model monitoring (accuracy, drift, alerts); settings saved before it existed get the default. */
        monitor: cron.default('0 5 * * *'),
        timezone: z.string().refine((tz) => isTimeZone(tz), { message: 'is not an IANA time zone (e.g. "Europe/Berlin")' }),
      })
      .strict(),
    /** The daily model monitoring: when a figure raises an alert, and where alerts go besides the app. */
    monitoring: z
      .object({
        /** Days of arrived outcomes the accuracy figures are measured on. */
        windowDays: z.number().int().min(7).max(365),
        /** Fewest scored outcomes in the window (with at least `minPerClass` of each kind) before accuracy is measured. */
        minOutcomes: z.number().int().min(20).max(100_000),
        minPerClass: z.number().int().min(5).max(10_000),
        /** Population stability index above which a feature's or the score's distribution has drifted. */
        psi: z.number().gt(0).max(10),
        /** How far the AUC on arrived outcomes may fall below the model's held-out AUC. */
        aucDrop: z.number().gt(0).max(0.5),
        /** Expected calibration error above which scores no longer mean their probability. */
        calibrationError: z.number().gt(0).max(1),
        /** How far the share of open leads in the top tier may move from the share the model gave its training leads (absolute, 0-1). */
        hotShareChange: z.number().gt(0).max(1),
        /**
         * A Slack incoming webhook URL (https://hooks.slack.com/...) that alerts are posted to; null for in-app only.
         * Anyone holding it can post to the channel: it is never logged.
         */
        slackWebhookUrl: z
          .string()
          .max(500)
          .url()
          .refine((u) => /^https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]+$/.test(u), { message: 'is not a Slack incoming webhook URL (https://hooks.slack.com/services/...)' })
          .nullable(),
      })
      .strict(),
  })
  .strict()
  .superRefine((s, ctx) => {
    checkTiers(s.tiers, ctx);
    checkRoutingTiers(s.routing, s.tiers.levels.map((l) => l.name), ctx);
    for (const key of ['fit', 'engagement'] as const) {
      const [a, b, c] = s.grades[key];
      if (!(a > b && b > c)) {
        ctx.addIssue({ code: 'custom', path: ['grades', key], message: `cut-offs must go down strictly (A > B > C), got [${a}, ${b}, ${c}]` });
      }
    }
  });
export type Settings = z.infer<typeof SettingsSchema>;

function checkTiers(tiers: Settings['tiers'], ctx: z.RefinementCtx): void {
  const levels = tiers.levels;
  const names = new Map<string, number>();
  levels.forEach((level, i) => {
    const key = level.name.toLowerCase();
    if (names.has(key)) ctx.addIssue({ code: 'custom', path: ['tiers', 'levels', i, 'name'], message: `"${level.name}" is already the name of tier ${names.get(key)! + 1}` });
    names.set(key, i);
    if (i > 0 && level.min >= levels[i - 1]!.min) {
      ctx.addIssue({
        code: 'custom',
        path: ['tiers', 'levels', i, 'min'],
        message: `${level.min} is not below ${levels[i - 1]!.name}'s minimum of ${levels[i - 1]!.min}: tiers go from highest to lowest, so "${level.name}" would be empty`,
      });
    }
  });
  const top = levels[0]!;
  if (top.min >= 100) {
    ctx.addIssue({
      code: 'custom',
      path: ['tiers', 'levels', 0, 'min'],
      message: `${top.min} leaves "${top.name}" empty: no calibrated ${tiers.basis === 'score' ? 'score reaches 100' : 'lead is above the 100th percentile'}`,
    });
  }
  const last = levels[levels.length - 1]!;
  if (last.min !== 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['tiers', 'levels', levels.length - 1, 'min'],
      message: `the lowest tier ("${last.name}") must start at 0 so that every lead lands in a tier, got ${last.min}`,
    });
  }
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Retraining defaults: a year of outcomes, recent ones weighing most, promotion by at least 0.01 AUC. */
export const DEFAULT_AB_TEST = { enabled: false, share: 0.1, writes: 'champion' } as const;
export const DEFAULT_LEARNING = { minOutcomes: 500, windowDays: 365, recencyHalfLifeDays: 90, holdoutShare: 0.2, promotionMargin: 0.01, abTest: { ...DEFAULT_AB_TEST } } as const;

/** What a tenant gets before anyone changes anything. */
export const DEFAULT_SETTINGS: Settings = {
  tiers: {
    basis: 'percentile',
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
  engagement: { halfLifeDays: 14 },
  learning: { ...DEFAULT_LEARNING },
  fieldMappings: {
    salesforce: {
      composite: 'Leadscore_Score__c',
      fit: 'Leadscore_Fit__c',
      engagement: 'Leadscore_Engagement__c',
      grade: 'Leadscore_Grade__c',
      tier: 'Leadscore_Tier__c',
      reasons: 'Leadscore_Reasons__c',
      nextAction: 'Leadscore_Next_Action__c',
      scoredAt: 'Leadscore_Scored_At__c',
      modelVersion: 'Leadscore_Model_Version__c',
    },
    hubspot: {
      composite: 'leadscore_score',
      fit: 'leadscore_fit',
      engagement: 'leadscore_engagement',
      grade: 'leadscore_grade',
      tier: 'leadscore_tier',
      reasons: 'leadscore_reasons',
      nextAction: 'leadscore_next_action',
      scoredAt: 'leadscore_scored_at',
      modelVersion: 'leadscore_model_version',
    },
  },
  monitoring: { windowDays: 30, minOutcomes: 50, minPerClass: 10, psi: 0.25, aucDrop: 0.05, calibrationError: 0.1, hotShareChange: 0.1, slackWebhookUrl: null },
  schedules: { rescore: '0 * * * *', sync: '*/15 * * * *', retrain: '0 3 * * 0', monitor: '0 5 * * *', timezone: 'UTC' },
  hubspot: {
    disqualifiedStatuses: ['UNQUALIFIED'],
    activityTypes: {
      'email:INCOMING_EMAIL': 'email_reply',
      'email:*': 'email_sent',
      'call:*': 'call',
      'meeting:*': 'meeting',
      'note:*': 'note',
      'form:*': 'form_submit',
      'marketing_email:OPEN': 'email_open',
      'marketing_email:CLICK': 'email_click',
      'page_view:/pricing': 'pricing_page_view',
      'page_view:*': 'page_view',
    },
    retentionDays: 30,
  },
  salesforce: {
    disqualifiedStatuses: ['Unqualified', 'Disqualified'],
    taskTypes: { Call: 'call', Email: 'email_sent', ListEmail: 'email_sent', '*': 'task' },
    campaignTypes: { Webinar: 'webinar_attended', Content: 'content_download', 'Trade Show': 'event_attended', '*': 'form_submit' },
    leadFields: clone(DEFAULT_LEAD_FIELDS),
    syncContacts: false,
    contactFields: clone(DEFAULT_CONTACT_FIELDS),
    orgs: {},
    createMissingFields: true,
    bulkWriteThreshold: 10_000,
  },
};

/** The read mappings one Salesforce org uses: its own entry under salesforce.orgs where there is one, else the tenant's. */
export function salesforceReadMapping(settings: Settings, orgId: string | null): { leadFields: SourceFieldMapping; contactFields: SourceFieldMapping } {
  const sf = settings.salesforce;
  // Org ids come 15 or 18 characters long; the first 15 name the org either way.
  const own = orgId ? Object.entries(sf.orgs).find(([id]) => id.slice(0, 15) === orgId.slice(0, 15))?.[1] : undefined;
  return { leadFields: own?.leadFields ?? sf.leadFields, contactFields: own?.contactFields ?? sf.contactFields };
}

/** A readable message per problem: "tiers.levels[1].min: ...". */
export function describeIssues(error: z.ZodError): Array<{ field: string; message: string }> {
  return error.issues.map((issue) => ({ field: fieldPath(issue.path), message: issue.message }));
}

export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '') || '(body)';
}
