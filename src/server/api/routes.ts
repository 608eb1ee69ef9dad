import express, { Router, type Request, type Response } from 'express';
import { scoresComputed } from '../../config/metrics.js';
import { activityTypeProblem, normalizeActivityType, sourceMatches, type Activity, type Lead, type Score, type ScoreReason, type TenantId } from '../../domain/index.js';
import { previewSettings, type SettingsPreview } from '../../scoring/preview.js';
import { rescore, type ModelSource } from '../../scoring/rescore.js';
import { RealTimeScorer } from '../../scoring/real-time.js';
import { abTestReport, type ArmFigures } from '../../learning/ab-report.js';
import { submitFeedback } from '../../learning/feedback.js';
import type { ChampionModelSource } from '../../learning/model-source.js';
import { promoteVersion, PromotionError, type PromotionResult } from '../../learning/promote.js';
import { currentSettings, restoreSettings, saveSettings, settingsHistory, type Settings, type SettingsVersion } from '../../settings/index.js';
import {
  acknowledgeAlert,
  countFeedback,
  getChampion,
  getJob,
  getLeadSource,
  getScoreHistory,
  getScores,
  listAlerts,
  listDeadLetters,
  listFeedback,
  listModelVersions,
  monitoringReports,
  queryAudit,
  recordAudit,
  requeueDeadLetters,
  type Database,
  type FeedbackRecord,
  type Job,
  type ModelVersion,
} from '../../store/index.js';
import { alertOut, monitoringDayOut } from './monitoring-out.js';
import type { JobRunner } from '../job-runner.js';
import { apiKeyAuth } from './auth.js';
import { ApiError, parseBody } from './errors.js';
import { openApiDocument } from './openapi.js';
import { mountRoutingRoutes } from './routing-routes.js';
import {
  AbTestQuerySchema,
  AlertsQuerySchema,
  AuditQuerySchema,
  DeadLetterRetrySchema,
  MonitoringQuerySchema,
  DeadLettersQuerySchema,
  FeedbackCountsQuerySchema,
  FeedbackQuerySchema,
  FeedbackRequestSchema,
  PromoteRequestSchema,
  RollbackRequestSchema,
  RescoreRequestSchema,
  ScoreRequestSchema,
  SettingsPreviewRequestSchema,
  SettingsPutSchema,
  SettingsRestoreSchema,
} from './schemas.js';

export interface ApiDeps {
  db: Database;
  models: ModelSource;
  jobs: JobRunner;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /** Counts handlers running, so a stop can wait for them before closing the models. */
  busy?: { count: number };
  /** Called after a tenant's settings changed (schedules follow them). */
  onSettingsSaved?: (tenant: TenantId) => Promise<void>;
  /** Model versions: retraining, promotion and rollback (absent: those routes answer 503). */
  learning?: {
    models: ChampionModelSource;
    /** Queue a retrain job; its id, or null when one for the tenant is already waiting. */
    enqueueRetrain(tenant: TenantId, reason: string): Promise<string | null>;
    /** After the champion changed: rescore the open leads (and write back what changed). */
    afterPromotion(tenant: TenantId): Promise<unknown>;
  };
  /** Called after writes were put back in the outbox (a writeback job is asked for). */
  onWritesQueued?: (tenant: TenantId) => Promise<unknown>;
  /** Queue a monitoring run for the tenant: the job id, or null when one is already waiting. */
  enqueueMonitor?: (tenant: TenantId) => Promise<string | null>;
}

const reasonOut = (r: ScoreReason) => ({ text: r.text, weight: Math.round(r.contribution * 1000) / 1000, direction: r.direction, feature: r.feature });

export function scoreOut(score: Score, leadId: string | null = score.leadId) {
  if (score.status === 'not_scored') return { status: score.status, lead_id: leadId, reason: score.reason, scored_at: score.scoredAt.toISOString() };
  return {
    status: score.status,
    lead_id: leadId,
    composite: score.composite,
    fit: score.fit,
    engagement: score.engagement,
    probability: Math.round(score.probability * 1e6) / 1e6,
    grade: score.grade,
    tier: score.tier,
    reasons: score.reasons.map(reasonOut),
    next_action: score.nextAction,
    model_version: score.modelVersion,
    feature_spec_version: score.featureSpecVersion,
    scored_at: score.scoredAt.toISOString(),
  };
}

export const settingsOut = (v: SettingsVersion) => ({
  version: v.version,
  settings: v.settings,
  changed_by: v.changedBy,
  changed_at: v.changedAt?.toISOString() ?? null,
  changes: v.changes,
  restored_from: v.restoredFrom,
});

/** A settings preview as the API and the HubSpot settings page answer it. */
export const previewOut = (p: SettingsPreview) => ({
  model_version: p.modelVersion,
  open_leads: { scored: p.openLeads.scored, not_scored: p.openLeads.notScored },
  historical: p.historical,
  tiers: p.tiers.map((t) => ({
    name: t.name,
    min: t.min,
    probability_cutoff: t.probabilityCutoff,
    open_leads: t.openLeads,
    historical_leads: t.historicalLeads,
    historical_conversions: t.historicalConversions,
    historical_conversion_rate: t.historicalConversionRate,
  })),
});

const jobOut = (j: Job) => ({
  id: j.id,
  kind: j.kind,
  status: j.status,
  request: j.request,
  progress: j.progress,
  result: j.result,
  error: j.error,
  created_at: j.createdAt.toISOString(),
  started_at: j.startedAt?.toISOString() ?? null,
  finished_at: j.finishedAt?.toISOString() ?? null,
});

const feedbackOut = (f: FeedbackRecord) => ({
  id: String(f.id),
  lead_id: f.leadId,
  source: f.source,
  reason: f.reason,
  comment: f.comment,
  user: f.user,
  score: f.score,
  reasons: f.reasons.map(reasonOut),
  model_version: f.modelVersion,
  tier: f.tier,
  segment: f.segment,
  created_at: f.createdAt.toISOString(),
});

const modelVersionOut = (v: ModelVersion) => ({
  version: v.version,
  status: v.status,
  training: { from: v.trainingFrom?.toISOString() ?? null, to: v.trainingTo?.toISOString() ?? null, outcomes: v.outcomes, data_hash: v.dataHash },
  metrics: v.metrics,
  evaluation: v.evaluation,
  reason: v.reason,
  created_at: v.createdAt.toISOString(),
  promoted_at: v.promotedAt?.toISOString() ?? null,
  retired_at: v.retiredAt?.toISOString() ?? null,
});

const tenantOf = (req: Request): TenantId => req.auth!.tenant;
const changedBy = (req: Request) => `api-key:${req.auth!.keyId}${req.auth!.label ? ` (${req.auth!.label})` : ''}`;

/** The versioned JSON API. Every handler reads the tenant from the API key, never from the request. */
export function apiRouter(deps: ApiDeps): Router {
  const router = Router();
  const requireScope = apiKeyAuth(deps.db);
  // Settings are read on every scoring call: kept for a few seconds, dropped on every save.
  const settingsCache = new Map<TenantId, { settings: Settings; until: number }>();
  const settingsOf = async (tenant: TenantId): Promise<Settings> => {
    const hit = settingsCache.get(tenant);
    if (hit && hit.until > Date.now()) return hit.settings;
    const { settings } = await currentSettings(deps.db, tenant);
    settingsCache.set(tenant, { settings, until: Date.now() + 5000 });
    return settings;
  };

  // Concurrent score calls of a tenant are scored as one batch (see RealTimeScorer).
  const realTime = new RealTimeScorer();

  const busy = deps.busy ?? { count: 0 };
  // Every handler counts itself while it runs, whether or not its client is still there.
  const handler =
    (fn: (req: Request, res: Response) => Promise<void>) =>
    async (req: Request, res: Response): Promise<void> => {
      busy.count++;
      try {
        await fn(req, res);
      } finally {
        busy.count--;
      }
    };
  router.use(express.json({ limit: deps.bodyLimit ?? 256 * 1024, strict: true, type: ['application/json', 'application/*+json'] }));

  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });

  router.post('/score', requireScope('score'), handler(async (req, res) => {
    const body = parseBody(ScoreRequestSchema, req.body);
    const asOf = body.as_of ? new Date(body.as_of) : new Date();
    const leadId = body.lead.id ?? 'request';
    const lead: Lead = {
      id: leadId,
      createdAt: body.lead.created_at ? new Date(body.lead.created_at) : asOf,
      email: body.lead.email ?? null,
      firstName: body.lead.first_name ?? null,
      lastName: body.lead.last_name ?? null,
      title: body.lead.title ?? null,
      company: body.lead.company ?? null,
      industry: body.lead.industry ?? null,
      employees: body.lead.employees ?? null,
      annualRevenue: body.lead.annual_revenue ?? null,
      country: body.lead.country ?? null,
      leadSource: body.lead.lead_source ?? null,
      attributes: body.lead.attributes ?? {},
    };
    // The body's schema has checked everything else of an activity; only the type changes here.
    const activities: Activity[] = body.activities.map((a, i) => {
      const type = normalizeActivityType(a.type);
      const problem = activityTypeProblem(type);
      if (problem) throw new ApiError(400, 'INVALID_REQUEST', `activities[${i}].type: ${problem}`, [{ field: `activities[${i}].type`, message: problem }]);
      return { leadId, type, occurredAt: new Date(a.occurred_at), channel: a.channel ?? null, detail: a.detail ?? null };
    });
    activities.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
    const tenant = tenantOf(req);
    const score = await realTime.score(await deps.models.forTenant(tenant), await settingsOf(tenant), { lead, activities, outcome: null }, asOf);
    scoresComputed.inc({ path: 'api' });
    res.json(scoreOut(score, body.lead.id ?? null));
  }));

  router.get('/leads/:source/:id/score', requireScope('scores:read'), handler(async (req, res) => {
    const tenant = tenantOf(req);
    const { source, id } = req.params as { source: string; id: string };
    const stored = await getLeadSource(deps.db, tenant, id);
    if (!sourceMatches(stored, source)) throw new ApiError(404, 'NOT_FOUND', `no lead "${id}" from ${source} in this account`);
    let score = (await getScores(deps.db, tenant, [id])).get(id)?.score;
    if (!score) {
      // Never scored yet (just arrived): score it now rather than answer with a blank.
      const done = await rescore(deps.db, deps.models, tenant, { ids: [id] });
      scoresComputed.inc({ path: 'realtime' }, done.leads);
      score = (await getScores(deps.db, tenant, [id])).get(id)?.score ?? {
        status: 'not_scored',
        leadId: id,
        reason: 'the lead already has an outcome (converted or closed); only open leads are scored',
        scoredAt: new Date(),
      };
    }
    const history = await getScoreHistory(deps.db, tenant, id);
    res.json({
      source,
      lead_id: id,
      score: scoreOut(score),
      history: history.map((h) => ({
        scored_at: h.scoredAt.toISOString(),
        status: h.status,
        composite: h.composite,
        fit: h.fit,
        engagement: h.engagement,
        grade: h.grade,
        tier: h.tier,
        reasons: h.reasons.map(reasonOut),
        model_version: h.modelVersion,
      })),
    });
  }));

  router.post('/leads/:source/:id/feedback', requireScope('scores:read'), handler(async (req, res) => {
    const { source, id } = req.params as { source: string; id: string };
    const body = parseBody(FeedbackRequestSchema, req.body);
    const saved = await submitFeedback(deps.db, tenantOf(req), source, id, body);
    if (!saved) throw new ApiError(404, 'NOT_FOUND', `no lead "${id}" from ${source} in this account`);
    res.status(201).json({ id: String(saved.id), lead_id: saved.leadId, reason: saved.reason, created_at: saved.createdAt.toISOString() });
  }));

  router.get('/feedback', requireScope('admin'), handler(async (req, res) => {
    const query = parseBody(FeedbackQuerySchema, req.query, 'query');
    const entries = await listFeedback(deps.db, tenantOf(req), {
      limit: query.limit,
      ...(query.before ? { before: query.before } : {}),
      ...(query.lead_id ? { leadId: query.lead_id } : {}),
      ...(query.reason ? { reason: query.reason } : {}),
      ...(query.model_version ? { modelVersion: query.model_version } : {}),
      ...(query.from ? { from: new Date(query.from) } : {}),
      ...(query.to ? { to: new Date(query.to) } : {}),
    });
    res.json({ feedback: entries.map(feedbackOut), next_before: entries.length === query.limit ? String(entries.at(-1)!.id) : null });
  }));

  router.get('/feedback/counts', requireScope('admin'), handler(async (req, res) => {
    const query = parseBody(FeedbackCountsQuerySchema, req.query, 'query');
    const counts = await countFeedback(deps.db, tenantOf(req), query.by, {
      ...(query.from ? { from: new Date(query.from) } : {}),
      ...(query.to ? { to: new Date(query.to) } : {}),
    });
    res.json({ by: query.by, counts });
  }));

  router.get('/settings', requireScope('admin'), handler(async (req, res) => {
    res.json(settingsOut(await currentSettings(deps.db, tenantOf(req))));
  }));

  router.put('/settings', requireScope('admin'), handler(async (req, res) => {
    const body = parseBody(SettingsPutSchema, req.body);
    const tenant = tenantOf(req);
    await checkResolvable(deps, tenant, body.settings);
    const saved = await saveSettings(deps.db, tenant, body.settings, changedBy(req), body.expected_version === undefined ? {} : { expectedVersion: body.expected_version });
    settingsCache.delete(tenant);
    await deps.onSettingsSaved?.(tenant);
    req.log.info('settings saved', { version: saved.version, changes: saved.changes.map((c) => c.field) });
    res.json(settingsOut(saved));
  }));

  router.post('/settings/preview', requireScope('admin'), handler(async (req, res) => {
    const body = parseBody(SettingsPreviewRequestSchema, req.body);
    const tenant = tenantOf(req);
    await checkResolvable(deps, tenant, body.settings);
    res.json(previewOut(await previewSettings(deps.db, deps.models, tenant, body.settings)));
  }));

  router.get('/settings/history', requireScope('admin'), handler(async (req, res) => {
    res.json({ versions: (await settingsHistory(deps.db, tenantOf(req))).map(settingsOut) });
  }));

  router.post('/settings/restore', requireScope('admin'), handler(async (req, res) => {
    const body = parseBody(SettingsRestoreSchema, req.body);
    const tenant = tenantOf(req);
    const restored = await restoreSettings(deps.db, tenant, body.version, changedBy(req));
    settingsCache.delete(tenant);
    await deps.onSettingsSaved?.(tenant);
    res.json(settingsOut(restored));
  }));

  router.post('/rescore', requireScope('admin'), handler(async (req, res) => {
    const body = parseBody(RescoreRequestSchema, req.body);
    const job = await deps.jobs.enqueueRescore(tenantOf(req), 'all' in body ? { all: true } : { leads: body.leads });
    res.status(202).location(`/api/v1/jobs/${job.id}`).json(jobOut(job));
  }));

  const learning = () => {
    if (!deps.learning) throw new ApiError(503, 'UNAVAILABLE', 'model versions are not available in this process');
    return deps.learning;
  };

  router.get('/models', requireScope('admin'), handler(async (req, res) => {
    const tenant = tenantOf(req);
    const [versions, champion, settings] = await Promise.all([listModelVersions(deps.db, tenant), getChampion(deps.db, tenant), settingsOf(tenant)]);
    res.json({ champion: champion?.version ?? 'default', min_outcomes: settings.learning.minOutcomes, versions: versions.map(modelVersionOut) });
  }));

  router.get('/models/ab-test', requireScope('admin'), handler(async (req, res) => {
    const query = parseBody(AbTestQuerySchema, req.query, 'query');
    const tenant = tenantOf(req);
    const report = await abTestReport(deps.db, tenant, query.challenger);
    if (!report && query.challenger) throw new ApiError(404, 'NOT_FOUND', `no A/B split has run for challenger "${query.challenger}" in this account`);
    const arm = (a: ArmFigures | null) =>
      a && { leads: a.leads, outcomes: a.outcomes, conversions: a.conversions, conversion_rate: a.conversionRate, scored: a.scored, auc: a.auc, mean_predicted: a.meanPredicted, calibration_error: a.calibrationError };
    res.json({
      challenger: report?.challenger ?? null,
      started_at: report?.startedAt ?? null,
      last_assigned_at: report?.lastAssignedAt ?? null,
      settings: report?.settings ?? (await settingsOf(tenant)).learning.abTest,
      champion_arm: arm(report?.champion ?? null),
      challenger_arm: arm(report?.challengerArm ?? null),
      champion_on_challenger_arm: arm(report?.championOnChallengerArm ?? null),
      comparison: report?.comparison
        ? {
            method: report.comparison.method,
            outcomes: report.comparison.outcomes,
            challenger_auc: report.comparison.aucA,
            champion_auc: report.comparison.aucB,
            difference: report.comparison.difference,
            standard_error: report.comparison.standardError,
            p_value: report.comparison.pValue,
            interval_95: report.comparison.interval95,
            verdict: report.comparison.verdict,
          }
        : null,
      summary: report?.summary ?? 'No A/B split has run: enable settings learning.abTest while a challenger waits, and rescoring puts a share of the leads in its arm.',
    });
  }));

  router.post('/models/retrain', requireScope('admin'), handler(async (req, res) => {
    const id = await learning().enqueueRetrain(tenantOf(req), changedBy(req));
    res.status(202).json({ job_id: id, status: id ? 'queued' : 'already_queued' });
  }));

  const promote = async (req: Request, res: Response, version: string, action: 'model_promotion' | 'model_rollback', reason: string | undefined) => {
    const tenant = tenantOf(req);
    const l = learning();
    let result: PromotionResult;
    try {
      result = await promoteVersion(deps.db, l.models, tenant, version, { action, reason: reason ?? `${action === 'model_rollback' ? 'rolled back' : 'promoted'} by ${changedBy(req)}`, actor: changedBy(req) });
    } catch (err) {
      if (err instanceof PromotionError) throw new ApiError(409, 'CONFLICT', err.message);
      throw err;
    }
    await l.afterPromotion(tenant);
    const t = result.tierChanges;
    res.json({ version: result.version, previous: result.previous, tier_changes: { open_leads: t.openLeads, before: t.before, after: t.after, changed: t.changed } });
  };

  router.post('/models/:version/promote', requireScope('admin'), handler(async (req, res) => {
    const body = parseBody(PromoteRequestSchema, req.body ?? {});
    await promote(req, res, (req.params as { version: string }).version, 'model_promotion', body.reason);
  }));

  router.post('/models/rollback', requireScope('admin'), handler(async (req, res) => {
    const body = parseBody(RollbackRequestSchema, req.body);
    await promote(req, res, body.version, 'model_rollback', body.reason);
  }));

  router.get('/jobs/:id', requireScope('admin'), handler(async (req, res) => {
    const job = await getJob(deps.db, tenantOf(req), (req.params as { id: string }).id);
    if (!job) throw new ApiError(404, 'NOT_FOUND', `no job "${(req.params as { id: string }).id}" in this account`);
    res.json(jobOut(job));
  }));

  router.get('/writeback/dead-letters', requireScope('admin'), handler(async (req, res) => {
    const query = parseBody(DeadLettersQuerySchema, req.query, 'query');
    const letters = await listDeadLetters(deps.db, tenantOf(req), { limit: query.limit, ...(query.before ? { before: query.before } : {}) });
    res.json({
      dead_letters: letters.map((d) => ({ id: d.id, lead_id: d.leadId, source: d.source, reason: d.reason, attempts: d.attempts, values: d.payload, created_at: d.createdAt.toISOString(), failed_at: d.failedAt.toISOString() })),
      next_before: letters.length === query.limit ? letters.at(-1)!.id : null,
    });
  }));

  router.post('/writeback/dead-letters/retry', requireScope('admin'), handler(async (req, res) => {
    const body = parseBody(DeadLetterRetrySchema, req.body);
    const tenant = tenantOf(req);
    const result = await requeueDeadLetters(deps.db, tenant, 'all' in body ? 'all' : body.ids);
    await recordAudit(
      deps.db,
      tenant,
      result.requeued.map((id) => ({ action: 'dead_letter_retry', recordId: String(id), connectionId: null, before: null, after: null, cause: `requested by ${changedBy(req)}`, outcome: 'requeued' })),
    );
    if (result.requeued.length > 0) await deps.onWritesQueued?.(tenant);
    res.json(result);
  }));

  mountRoutingRoutes(router, deps, requireScope, handler);

  router.get('/audit', requireScope('admin'), handler(async (req, res) => {
    const query = parseBody(AuditQuerySchema, req.query, 'query');
    const entries = await queryAudit(deps.db, tenantOf(req), {
      limit: query.limit,
      ...(query.before ? { before: query.before } : {}),
      ...(query.record_id ? { recordId: query.record_id } : {}),
      ...(query.action ? { action: query.action } : {}),
      ...(query.outcome ? { outcome: query.outcome } : {}),
      ...(query.from ? { from: new Date(query.from) } : {}),
      ...(query.to ? { to: new Date(query.to) } : {}),
    });
    res.json({
      entries: entries.map((e) => ({ id: e.id, at: e.at.toISOString(), action: e.action, record_id: e.recordId, connection_id: e.connectionId, before: e.before, after: e.after, cause: e.cause, outcome: e.outcome, note: e.note ?? null })),
      next_before: entries.length === query.limit ? entries.at(-1)!.id : null,
    });
  }));

  router.get('/monitoring', requireScope('admin'), handler(async (req, res) => {
    const query = parseBody(MonitoringQuerySchema, req.query, 'query');
    const reports = await monitoringReports(deps.db, tenantOf(req), query.limit);
    res.json({ latest: reports[0]?.report ?? null, history: reports.map(monitoringDayOut) });
  }));

  router.post('/monitoring/run', requireScope('admin'), handler(async (req, res) => {
    if (!deps.enqueueMonitor) throw new ApiError(503, 'UNAVAILABLE', 'background jobs are not running in this process, so monitoring cannot be queued; run a worker');
    const id = await deps.enqueueMonitor(tenantOf(req));
    res.status(202).json({ queued: id !== null, job_id: id });
  }));

  router.get('/alerts', requireScope('admin'), handler(async (req, res) => {
    const query = parseBody(AlertsQuerySchema, req.query, 'query');
    res.json({ alerts: (await listAlerts(deps.db, tenantOf(req), { open: query.open === 'true', limit: query.limit })).map(alertOut) });
  }));

  router.post('/alerts/:id/ack', requireScope('admin'), handler(async (req, res) => {
    const raw = (req.params as { id: string }).id;
    const id = /^\d{1,15}$/.test(raw) ? Number(raw) : null;
    const alert = id === null ? null : await acknowledgeAlert(deps.db, tenantOf(req), id, changedBy(req));
    if (!alert) throw new ApiError(404, 'NOT_FOUND', `no alert "${raw}" in this account`);
    res.json(alertOut(alert));
  }));

  router.use((req, _res, next) => next(new ApiError(404, 'NOT_FOUND', `no API route ${req.method} ${req.baseUrl}${req.path}; see /api/v1/openapi.json`)));
  return router;
}

/** Settings whose percentiles the tenant's model cannot resolve are refused before they are saved. */
export async function checkResolvable(deps: Pick<ApiDeps, 'models'>, tenant: TenantId, settings: Settings): Promise<void> {
  const models = await deps.models.forTenant(tenant);
  if (!models || models.manifest.distribution) return;
  const usesPercentiles = settings.tiers.basis === 'percentile' || settings.grades.basis === 'percentile';
  if (usesPercentiles) {
    throw new ApiError(400, 'INVALID_REQUEST', `model ${models.manifest.version} has no score distribution, so tiers and grades cannot be set by percentile; use "score"`, [
      { field: settings.tiers.basis === 'percentile' ? 'settings.tiers.basis' : 'settings.grades.basis', message: 'percentiles need a model with a score distribution' },
    ]);
  }
}
