import { z } from 'zod';
import { SettingsSchema } from '../../settings/index.js';
import { AUDIT_ACTIONS } from '../../store/audit.js';

/**
 * Request and response bodies of `/api/v1`, the one source of both validation and the OpenAPI
 * document. Requests are strict: an unknown field is an error that names it.
 */

const isoTime = z.iso.datetime({ offset: true }).describe('ISO 8601 time, e.g. 2026-06-30T09:00:00Z');
const text = (max: number) => z.string().max(max).nullable().optional();

export const LeadInputSchema = z
  .object({
    id: z.string().min(1).max(255).optional().describe('The lead id in your system; echoed back'),
    created_at: isoTime.optional().describe('When the lead was created; default: as_of'),
    email: text(320),
    first_name: text(255),
    last_name: text(255),
    title: text(500),
    company: text(500),
    industry: text(255),
    employees: z.number().int().min(0).max(10_000_000).nullable().optional(),
    annual_revenue: z.number().min(0).max(1e13).nullable().optional(),
    country: text(255),
    lead_source: text(255),
    attributes: z.record(z.string().max(100), z.string().max(1000)).optional().describe('Custom fields, as extra columns of leads.csv are'),
  })
  .strict()
  .meta({ id: 'LeadInput' });

export const ActivityInputSchema = z
  .object({
    type: z.string().min(1).max(100).describe('e.g. page_view, pricing_page_view, demo_request, form_submit, email_click'),
    occurred_at: isoTime,
    channel: text(255),
    detail: text(2000),
  })
  .strict()
  .meta({ id: 'ActivityInput' });

export const ScoreRequestSchema = z
  .object({
    lead: LeadInputSchema,
    activities: z.array(ActivityInputSchema).max(5000).default([]),
    as_of: isoTime.optional().describe('Score as of this time (default: now); activity after it is ignored'),
  })
  .strict()
  .meta({ id: 'ScoreRequest' });

export const ReasonSchema = z
  .object({
    text: z.string().describe('A sentence a rep can read'),
    weight: z.number().describe('Signed contribution to the log-odds of conversion'),
    direction: z.enum(['positive', 'negative']),
    feature: z.string(),
  })
  .meta({ id: 'Reason' });

export const ScoreResponseSchema = z
  .discriminatedUnion('status', [
    z.object({
      status: z.literal('scored'),
      lead_id: z.string().nullable(),
      composite: z.number().describe('0-100: 100 x the calibrated probability of conversion'),
      fit: z.number().nullable(),
      engagement: z.number().nullable(),
      probability: z.number(),
      grade: z.string().nullable().describe('Fit letter A-D and engagement digit 1-4'),
      tier: z.string(),
      reasons: z.array(ReasonSchema),
      next_action: z.string().nullable(),
      model_version: z.string(),
      feature_spec_version: z.string(),
      scored_at: z.string(),
    }),
    z.object({
      status: z.literal('not_scored'),
      lead_id: z.string().nullable(),
      reason: z.string().describe('Why this lead cannot be scored yet'),
      scored_at: z.string(),
    }),
  ])
  .meta({ id: 'Score' });

export const HistoryEntrySchema = z
  .object({
    scored_at: z.string(),
    status: z.string(),
    composite: z.number().nullable(),
    fit: z.number().nullable(),
    engagement: z.number().nullable(),
    grade: z.string().nullable(),
    tier: z.string().nullable(),
    reasons: z.array(ReasonSchema),
    model_version: z.string().nullable(),
  })
  .meta({ id: 'ScoreHistoryEntry' });

export const LeadScoreResponseSchema = z
  .object({ source: z.string(), lead_id: z.string(), score: ScoreResponseSchema, history: z.array(HistoryEntrySchema) })
  .meta({ id: 'LeadScore' });

export const SettingsResponseSchema = z
  .object({
    version: z.number().int().describe('0: the defaults, never saved'),
    settings: SettingsSchema,
    changed_by: z.string().nullable(),
    changed_at: z.string().nullable(),
    changes: z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })),
    restored_from: z.number().int().nullable(),
  })
  .meta({ id: 'SettingsVersion' });

export const SettingsPutSchema = z
  .object({
    settings: SettingsSchema,
    expected_version: z.number().int().min(0).optional().describe('Refuse the change if the version in force is another (someone saved since you read)'),
  })
  .strict()
  .meta({ id: 'SettingsChange' });

export const SettingsPreviewRequestSchema = z.object({ settings: SettingsSchema }).strict().meta({ id: 'SettingsPreviewRequest' });

export const SettingsPreviewResponseSchema = z
  .object({
    model_version: z.string(),
    open_leads: z.object({ scored: z.number().int(), not_scored: z.number().int() }),
    historical: z.object({ leads: z.number().int(), from: z.string().nullable(), to: z.string().nullable() }),
    tiers: z.array(
      z.object({
        name: z.string(),
        min: z.number(),
        probability_cutoff: z.number().describe('The calibrated probability the minimum stands for'),
        open_leads: z.number().int(),
        historical_leads: z.number().int(),
        historical_conversions: z.number().int(),
        historical_conversion_rate: z.number().nullable(),
      }),
    ),
  })
  .meta({ id: 'SettingsPreview' });

export const SettingsRestoreSchema = z.object({ version: z.number().int().min(0) }).strict().meta({ id: 'SettingsRestore' });

export const RescoreRequestSchema = z
  .union([
    z.object({ all: z.literal(true) }).strict(),
    z.object({ leads: z.array(z.string().min(1).max(255)).min(1).max(10_000) }).strict(),
  ])
  .meta({ id: 'RescoreRequest', description: 'Either {"all": true} for every open lead or {"leads": [ids]}' });

export const JobSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    status: z.enum(['queued', 'running', 'succeeded', 'failed']),
    request: z.record(z.string(), z.unknown()),
    progress: z.record(z.string(), z.unknown()),
    result: z.record(z.string(), z.unknown()).nullable(),
    error: z.string().nullable(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'Job' });

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().describe('Stable code to branch on, e.g. INVALID_REQUEST, UNAUTHENTICATED, NOT_FOUND'),
      message: z.string(),
      issues: z.array(z.object({ field: z.string(), message: z.string() })).optional().describe('One entry per bad field'),
    }),
  })
  .meta({ id: 'Error' });

const pageSize = z.coerce.number().int().min(1).max(500).default(50).describe('Entries per page (1-500)');
const before = z.coerce.number().int().positive().optional().describe('Keyset paging: entries older than this id (the last page\'s next_before)');

export const DeadLettersQuerySchema = z.object({ limit: pageSize, before }).strict();

export const DeadLetterSchema = z
  .object({
    id: z.number().int().describe('The write job; retry it by this id'),
    lead_id: z.string(),
    source: z.string().nullable(),
    reason: z.string().nullable().describe('What the CRM said'),
    attempts: z.number().int(),
    values: z.record(z.string(), z.unknown()).describe('What was to be written (CRM-neutral)'),
    created_at: z.string(),
    failed_at: z.string(),
  })
  .meta({ id: 'DeadLetter' });

export const DeadLetterPageSchema = z.object({ dead_letters: z.array(DeadLetterSchema), next_before: z.number().int().nullable() }).meta({ id: 'DeadLetterPage' });

export const DeadLetterRetrySchema = z
  .union([z.object({ all: z.literal(true) }).strict(), z.object({ ids: z.array(z.number().int().positive()).min(1).max(10_000) }).strict()])
  .meta({ id: 'DeadLetterRetry' });

export const DeadLetterRetryResultSchema = z
  .object({
    requeued: z.array(z.number().int()).describe('Back in the queue; the writeback job has been asked for'),
    superseded: z.array(z.number().int()).describe('Retired instead: a newer score of the lead was written since'),
  })
  .meta({ id: 'DeadLetterRetryResult' });

export const AuditQuerySchema = z
  .object({
    record_id: z.string().max(255).optional().describe('One lead'),
    action: z.enum(AUDIT_ACTIONS).optional(),
    outcome: z.string().max(50).optional().describe('written, failed, retry, superseded, assigned, fallback, requeued'),
    from: isoTime.optional().describe('From this time (inclusive)'),
    to: isoTime.optional().describe('Up to this time (exclusive)'),
    limit: pageSize,
    before,
  })
  .strict();

export const AuditEntrySchema = z
  .object({
    id: z.number().int(),
    at: z.string(),
    action: z.string(),
    record_id: z.string(),
    connection_id: z.string().nullable(),
    before: z.record(z.string(), z.unknown()).nullable(),
    after: z.record(z.string(), z.unknown()).nullable(),
    cause: z.string().describe('The score version or the routing rule that caused it'),
    outcome: z.string(),
    note: z.string().nullable(),
  })
  .meta({ id: 'AuditEntry' });

export const AuditPageSchema = z.object({ entries: z.array(AuditEntrySchema), next_before: z.number().int().nullable() }).meta({ id: 'AuditPage' });


export const RoutingSimulateRequestSchema = z
  .object({
    settings: SettingsSchema.optional().describe('Draft settings whose routing is replayed; the settings in force when left out'),
    from: isoTime.describe('Start of the past period (leads that arrived from then)'),
    to: isoTime.describe('End of the period (exclusive)'),
  })
  .strict()
  .meta({ id: 'RoutingSimulateRequest' });

const spread = z.object({ min: z.number(), max: z.number(), mean: z.number(), coefficient_of_variation: z.number().nullable(), max_min_ratio: z.number().nullable() });

export const RoutingSimulationSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    truncated: z.boolean().describe('The period held more leads than one replay takes; the oldest were replayed'),
    leads: z.number().int(),
    assigned: z.number().int(),
    fallback: z.number().int(),
    unassigned: z.number().int(),
    no_rule: z.number().int(),
    hot_tier: z.string(),
    per_owner: z.array(z.object({ owner: z.string(), name: z.string(), leads: z.number().int(), hot_leads: z.number().int(), fallback_leads: z.number().int() })),
    spread: z.object({ leads: spread, hot_leads: spread }),
    per_rule: z.array(z.object({ rule: z.string(), leads: z.number().int(), fallback: z.number().int(), unassigned: z.number().int() })),
    rotations: z.array(
      z.object({
        rotation: z.string(),
        coefficient_of_variation: z.number().nullable(),
        members: z.array(z.object({ owner: z.string(), leads: z.number().int(), expected_share: z.number(), share: z.number() })),
      }),
    ),
    fell_back: z.array(z.object({ lead_id: z.string(), at: z.string(), rule: z.string(), owner: z.string().nullable(), reason: z.string() })),
  })
  .meta({ id: 'RoutingSimulation' });
export const FeedbackRequestSchema = z
  .object({
    reason: z.enum(['too_high', 'too_low', 'wrong_reasons', 'other']).describe('What looks wrong about the score'),
    comment: z.string().max(1000).optional(),
    user: z.string().max(200).optional().describe('Who gave the feedback (a name or CRM user id)'),
  })
  .strict()
  .meta({ id: 'FeedbackRequest' });

export const FeedbackCreatedSchema = z
  .object({ id: z.string(), lead_id: z.string(), reason: z.string(), created_at: z.string() })
  .meta({ id: 'FeedbackCreated' });

export const FeedbackQuerySchema = z
  .object({
    lead_id: z.string().max(255).optional(),
    reason: z.enum(['too_high', 'too_low', 'wrong_reasons', 'other']).optional(),
    model_version: z.string().max(100).optional(),
    from: isoTime.optional().describe('From this time (inclusive)'),
    to: isoTime.optional().describe('Up to this time (exclusive)'),
    limit: pageSize,
    before,
  })
  .strict();

export const FeedbackSchema = z
  .object({
    id: z.string(),
    lead_id: z.string(),
    source: z.string(),
    reason: z.string(),
    comment: z.string().nullable(),
    user: z.string().nullable(),
    score: z.record(z.string(), z.unknown()).nullable().describe('The score when the feedback was given (null: the lead had none)'),
    reasons: z.array(ReasonSchema),
    model_version: z.string().nullable(),
    tier: z.string().nullable(),
    segment: z.record(z.string(), z.string().nullable()),
    created_at: z.string(),
  })
  .meta({ id: 'Feedback' });

export const FeedbackPageSchema = z.object({ feedback: z.array(FeedbackSchema), next_before: z.string().nullable() }).meta({ id: 'FeedbackPage' });

export const FeedbackCountsQuerySchema = z
  .object({
    by: z.enum(['source', 'country', 'size_band', 'lead_source', 'tier', 'model_version']).default('tier'),
    from: isoTime.optional(),
    to: isoTime.optional(),
  })
  .strict();

export const FeedbackCountsSchema = z
  .object({ by: z.string(), counts: z.array(z.object({ segment: z.string().nullable(), reason: z.string(), count: z.number().int() })) })
  .meta({ id: 'FeedbackCounts' });

const metricComparison = z.object({ champion: z.number().nullable(), challenger: z.number().nullable(), difference: z.number().nullable(), ci95: z.tuple([z.number().nullable(), z.number().nullable()]) });

export const ModelVersionSchema = z
  .object({
    version: z.string(),
    status: z.enum(['champion', 'challenger', 'retired', 'failed']),
    training: z.object({ from: z.string().nullable(), to: z.string().nullable(), outcomes: z.number().int().nullable(), data_hash: z.string().nullable() }),
    metrics: z.record(z.string(), z.unknown()).describe("Each model's figures on its own newest training outcomes"),
    evaluation: z
      .object({
        champion: z.string().optional().describe('The champion it was compared with ("default": the shipped model)'),
        margin: z.number().optional(),
        holdout: z.object({ rows: z.number(), positives: z.number(), from: z.string(), to: z.string() }).optional(),
        comparison: z.object({ rows: z.number(), positives: z.number(), resamples: z.number(), seed: z.number(), auc: metricComparison, ece: metricComparison, liftTopDecile: metricComparison }).optional(),
        decision: z.string().optional(),
      })
      .loose()
      .describe('The champion/challenger comparison on outcomes neither was trained on, with 95% bootstrap intervals of the differences'),
    reason: z.string().describe('Why it has its status: the decision, or what went wrong'),
    created_at: z.string(),
    promoted_at: z.string().nullable(),
    retired_at: z.string().nullable(),
  })
  .meta({ id: 'ModelVersion' });

export const ModelListSchema = z
  .object({
    champion: z.string().describe('The version in force, or "default" while the shipped model scores this tenant'),
    min_outcomes: z.number().int().describe('Outcomes the tenant needs before its own models are trained (settings learning.minOutcomes)'),
    versions: z.array(ModelVersionSchema),
  })
  .meta({ id: 'ModelList' });

export const RetrainQueuedSchema = z
  .object({ job_id: z.string().nullable(), status: z.enum(['queued', 'already_queued']) })
  .meta({ id: 'RetrainQueued' });

export const PromoteRequestSchema = z.object({ reason: z.string().min(1).max(500).optional() }).strict().meta({ id: 'PromoteRequest' });

export const RollbackRequestSchema = z
  .object({ version: z.string().min(1).max(100).describe('A version from GET /models, or "default" for the shipped model'), reason: z.string().min(1).max(500).optional() })
  .strict()
  .meta({ id: 'RollbackRequest' });

export const PromotionSchema = z
  .object({
    version: z.string(),
    previous: z.string(),
    tier_changes: z.object({
      open_leads: z.number().int(),
      before: z.record(z.string(), z.number().int()),
      after: z.record(z.string(), z.number().int()),
      changed: z.number().int().describe('Open leads whose tier changes; they are rescored and written back'),
    }),
  })
  .meta({ id: 'Promotion' });
export const AbTestQuerySchema = z.object({ challenger: z.string().min(1).max(100).optional().describe('A challenger version (default: the newest split)') }).strict();

const armFigures = z.object({
  leads: z.number().int().describe('Leads given this arm'),
  outcomes: z.number().int().describe('Of those, leads whose outcome arrived after they got the arm'),
  conversions: z.number().int(),
  conversion_rate: z.number().nullable(),
  scored: z.number().int().describe("Outcomes with a score from the arm's model before them; the figures below are on these"),
  auc: z.number().nullable().describe('Null until the scored outcomes hold conversions and non-conversions'),
  mean_predicted: z.number().nullable(),
  calibration_error: z.number().nullable().describe('Expected calibration error, 10 equal-width bins'),
});

export const AbTestReportSchema = z
  .object({
    challenger: z.string().nullable().describe('The challenger of the split; null when no split has run'),
    started_at: z.string().nullable(),
    last_assigned_at: z.string().nullable(),
    settings: z.object({ enabled: z.boolean(), share: z.number(), writes: z.enum(['champion', 'challenger']) }).describe('settings learning.abTest in force'),
    champion_arm: armFigures.nullable(),
    challenger_arm: armFigures.nullable(),
    champion_on_challenger_arm: armFigures.nullable().describe("The challenger arm's leads as the champion scored them (when the champion's score was the stored one)"),
    comparison: z
      .object({
        method: z.enum(['paired', 'unpaired']).describe("paired: the challenger arm's outcomes that both models scored; unpaired: each arm's own"),
        outcomes: z.number().int(),
        challenger_auc: z.number(),
        champion_auc: z.number(),
        difference: z.number().describe('Challenger AUC minus champion AUC'),
        standard_error: z.number(),
        p_value: z.number().describe("Two-sided, DeLong's test"),
        interval_95: z.tuple([z.number(), z.number()]).describe('95% confidence interval of the difference'),
        verdict: z.enum(['challenger better', 'champion better', 'no significant difference']).describe('At p < 0.05'),
      })
      .nullable()
      .describe('Whether the AUCs differ by more than chance; null until each side has two outcomes of each kind'),
    summary: z.string(),
  })
  .meta({ id: 'AbTestReport' });

// Monitoring: daily reports and alerts.
export const MonitoringQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(365).default(30) }).strict();

export const MonitoringDaySchema = z
  .object({
    day: z.string().describe('YYYY-MM-DD'),
    model_version: z.string().nullable(),
    computed_at: z.string(),
    accuracy_status: z.enum(['ok', 'not_enough_outcomes']),
    outcomes: z.number().int(),
    auc: z.number().nullable(),
    ece: z.number().nullable(),
    precision_at_hot: z.number().nullable(),
    recall_at_hot: z.number().nullable(),
    score_psi: z.number().nullable(),
    max_feature_psi: z.number().nullable(),
    hot_share: z.number().nullable(),
  })
  .meta({ id: 'MonitoringDay', description: "One day's headline figures; null where a figure could not be measured" });

export const MonitoringResponseSchema = z
  .object({
    latest: z.record(z.string(), z.unknown()).nullable().describe('The newest full report (accuracy, segments, drift, Hot share, score histogram), or null before the first run'),
    history: z.array(MonitoringDaySchema).describe('Newest day first'),
  })
  .meta({ id: 'Monitoring' });

export const AlertsQuerySchema = z
  .object({
    open: z.enum(['true', 'false']).default('false').describe('true: only alerts not acknowledged yet'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export const AlertSchema = z
  .object({
    id: z.number().int(),
    day: z.string(),
    metric: z.enum(['auc_drop', 'calibration_error', 'feature_psi', 'new_lead_psi', 'score_psi', 'hot_share']),
    subject: z.string().describe('The feature or tier concerned, or empty'),
    figure: z.number(),
    threshold: z.number(),
    message: z.string(),
    action: z.string().describe('What to do'),
    created_at: z.string(),
    acknowledged_at: z.string().nullable(),
    acknowledged_by: z.string().nullable(),
    slack: z.object({ status: z.enum(['not_configured', 'pending', 'sent', 'failed']), attempts: z.number().int(), error: z.string().nullable() }),
  })
  .meta({ id: 'Alert' });

export const AlertListSchema = z.object({ alerts: z.array(AlertSchema) }).meta({ id: 'AlertList' });

export const MonitoringRunSchema = z
  .object({ queued: z.boolean().describe('false when a run for this tenant is already waiting'), job_id: z.string().nullable() })
  .meta({ id: 'MonitoringRun' });
