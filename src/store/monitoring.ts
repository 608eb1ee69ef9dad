import type { TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

/** A day's monitoring report as stored; `report` is the JSON the monitoring job built. */
export interface StoredMonitoringReport {
  day: string;
  modelVersion: string | null;
  computedAt: Date;
  report: Record<string, unknown>;
}

const dayText = (d: Date | string): string => (typeof d === 'string' ? d : d.toISOString().slice(0, 10));

/** Keep the report of one tenant and day; running the day again replaces it. */
export async function saveMonitoringReport(db: Queryable, tenant: TenantId, day: string, modelVersion: string | null, report: Record<string, unknown>): Promise<void> {
  await db.query(
    `INSERT INTO monitoring_reports (tenant_id, day, model_version, report) VALUES ($1, $2::date, $3, $4::jsonb)
     ON CONFLICT (tenant_id, day) DO UPDATE SET model_version = excluded.model_version, report = excluded.report, computed_at = now()`,
    [tenant, day, modelVersion, JSON.stringify(report)],
  );
}

/** The tenant's reports, newest day first. */
export async function monitoringReports(db: Queryable, tenant: TenantId, limit = 90): Promise<StoredMonitoringReport[]> {
  const rows = await db.query<{ day: Date | string; model_version: string | null; computed_at: Date; report: Record<string, unknown> }>(
    `SELECT day, model_version, computed_at, report FROM monitoring_reports WHERE tenant_id = $1 ORDER BY day DESC LIMIT $2`,
    [tenant, limit],
  );
  return rows.map((r) => ({ day: dayText(r.day), modelVersion: r.model_version, computedAt: r.computed_at, report: r.report }));
}

export type SlackStatus = 'not_configured' | 'pending' | 'sent' | 'failed';

export interface MonitoringAlert {
  id: number;
  day: string;
  metric: string;
  subject: string;
  figure: number;
  threshold: number;
  message: string;
  action: string;
  createdAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  slack: { status: SlackStatus; attempts: number; error: string | null };
}

export type NewAlert = Pick<MonitoringAlert, 'metric' | 'subject' | 'figure' | 'threshold' | 'message' | 'action'>;

interface AlertRow {
  alert_id: string | number;
  day: Date | string;
  metric: string;
  subject: string;
  figure: number;
  threshold: number;
  message: string;
  action: string;
  created_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  slack_status: SlackStatus;
  slack_attempts: number;
  slack_error: string | null;
}

const toAlert = (r: AlertRow): MonitoringAlert => ({
  id: Number(r.alert_id),
  day: dayText(r.day),
  metric: r.metric,
  subject: r.subject,
  figure: r.figure,
  threshold: r.threshold,
  message: r.message,
  action: r.action,
  createdAt: r.created_at,
  acknowledgedAt: r.acknowledged_at,
  acknowledgedBy: r.acknowledged_by,
  slack: { status: r.slack_status, attempts: r.slack_attempts, error: r.slack_error },
});

/**
 * Store the day's alerts. A figure and subject (a feature, a tier) with an alert nobody has
 * acknowledged yet is not raised again, so a lasting drift is one alert, not one a day; nor is one
 * raised earlier the same day. Answers the alerts that are new.
 */
export async function insertAlerts(db: Queryable, tenant: TenantId, day: string, alerts: readonly NewAlert[], slackStatus: SlackStatus): Promise<MonitoringAlert[]> {
  if (alerts.length === 0) return [];
  const rows = await db.query<AlertRow>(
    `INSERT INTO monitoring_alerts (tenant_id, day, metric, subject, figure, threshold, message, action, slack_status)
     SELECT $1, $2::date, r.metric, r.subject, r.figure, r.threshold, r.message, r.action, $4
     FROM jsonb_to_recordset($3::jsonb) AS r(metric text, subject text, figure double precision, threshold double precision, message text, action text)
     WHERE NOT EXISTS (SELECT 1 FROM monitoring_alerts a WHERE a.tenant_id = $1 AND a.metric = r.metric AND a.subject = r.subject AND a.acknowledged_at IS NULL)
     ON CONFLICT (tenant_id, day, metric, subject) DO NOTHING
     RETURNING *`,
    [tenant, day, JSON.stringify(alerts), slackStatus],
  );
  return rows.map(toAlert).sort((a, b) => a.id - b.id);
}

/** The tenant's alerts, newest first; `open` keeps those not acknowledged yet. */
export async function listAlerts(db: Queryable, tenant: TenantId, options: { open?: boolean; limit?: number } = {}): Promise<MonitoringAlert[]> {
  const rows = await db.query<AlertRow>(
    `SELECT * FROM monitoring_alerts WHERE tenant_id = $1 AND (NOT $2::boolean OR acknowledged_at IS NULL)
     ORDER BY alert_id DESC LIMIT $3`,
    [tenant, options.open ?? false, options.limit ?? 100],
  );
  return rows.map(toAlert);
}

/** Mark an alert as seen; acknowledging it again keeps the first acknowledgement. Null when the tenant has no such alert. */
export async function acknowledgeAlert(db: Queryable, tenant: TenantId, id: number, by: string): Promise<MonitoringAlert | null> {
  const rows = await db.query<AlertRow>(
    `UPDATE monitoring_alerts SET acknowledged_at = coalesce(acknowledged_at, now()), acknowledged_by = coalesce(acknowledged_by, $3)
     WHERE tenant_id = $1 AND alert_id = $2 RETURNING *`,
    [tenant, id, by],
  );
  return rows[0] ? toAlert(rows[0]) : null;
}

/** What became of posting alerts to Slack. */
export async function recordSlackDelivery(db: Queryable, tenant: TenantId, ids: readonly number[], result: { status: SlackStatus; attempts: number; error: string | null }): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    `UPDATE monitoring_alerts SET slack_status = $3, slack_attempts = slack_attempts + $4, slack_error = $5
     WHERE tenant_id = $1 AND alert_id IN (SELECT jsonb_array_elements_text($2::jsonb)::bigint)`,
    [tenant, JSON.stringify(ids), result.status, result.attempts, result.error],
  );
}

/** A lead with an outcome in a window, with the last score it had before that outcome. */
export interface OutcomeWithPriorScore {
  leadId: string;
  converted: boolean;
  outcomeAt: Date;
  /** 0-100, from the score history; null when the lead was never scored before its outcome. */
  composite: number | null;
  tier: string | null;
  scoredAt: Date | null;
  leadSource: string | null;
  country: string | null;
  employees: number | null;
}

/**
 * Leads whose outcome was decided in (from, to], each with the last score stored before the
 * outcome (a score computed afterwards knew the answer and would flatter the model).
 */
export async function outcomesWithPriorScores(db: Queryable, tenant: TenantId, from: Date, to: Date): Promise<OutcomeWithPriorScore[]> {
  const rows = await db.query<{
    lead_id: string;
    converted: boolean;
    outcome_at: Date;
    composite: number | null;
    tier: string | null;
    scored_at: Date | null;
    lead_source: string | null;
    country: string | null;
    employees: number | null;
  }>(
    `SELECT o.lead_id, o.converted, o.outcome_at, h.composite, h.tier, h.scored_at, l.lead_source, l.country, l.employees
     FROM outcomes o
     JOIN leads l ON l.tenant_id = o.tenant_id AND l.lead_id = o.lead_id
     LEFT JOIN LATERAL (
       SELECT composite, tier, scored_at FROM score_history s
       WHERE s.tenant_id = o.tenant_id AND s.lead_id = o.lead_id AND s.status = 'scored' AND s.scored_at < o.outcome_at
       ORDER BY s.scored_at DESC LIMIT 1
     ) h ON true
     WHERE o.tenant_id = $1 AND o.outcome_at > $2 AND o.outcome_at <= $3
     ORDER BY o.outcome_at, o.lead_id`,
    [tenant, from.toISOString(), to.toISOString()],
  );
  return rows.map((r) => ({
    leadId: r.lead_id,
    converted: r.converted,
    outcomeAt: r.outcome_at,
    composite: r.composite,
    tier: r.tier,
    scoredAt: r.scored_at,
    leadSource: r.lead_source,
    country: r.country,
    employees: r.employees,
  }));
}

/**
 * Ids of leads open at `asOf` (created by then, no outcome decided by then), at most `limit`
 * of them: a stable pseudo-random sample (by hash of the id) when there are more.
 */
export async function openLeadIdsAsOf(db: Queryable, tenant: TenantId, asOf: Date, limit: number): Promise<string[]> {
  const rows = await db.query<{ lead_id: string }>(
    `SELECT l.lead_id FROM leads l
     LEFT JOIN outcomes o ON o.tenant_id = l.tenant_id AND o.lead_id = l.lead_id
     WHERE l.tenant_id = $1 AND l.created_at <= $2 AND (o.lead_id IS NULL OR o.outcome_at > $2)
     ORDER BY md5(l.lead_id) LIMIT $3`,
    [tenant, asOf.toISOString(), limit],
  );
  return rows.map((r) => r.lead_id);
}

/** Ids of leads whose outcome was decided in [from, to] (a model's training window), a stable sample of at most `limit`. */
export async function outcomeLeadIdsBetween(db: Queryable, tenant: TenantId, from: Date, to: Date, limit: number): Promise<string[]> {
  const rows = await db.query<{ lead_id: string }>(
    `SELECT lead_id FROM outcomes WHERE tenant_id = $1 AND outcome_at >= $2 AND outcome_at <= $3 ORDER BY md5(lead_id) LIMIT $4`,
    [tenant, from.toISOString(), to.toISOString(), limit],
  );
  return rows.map((r) => r.lead_id);
}
