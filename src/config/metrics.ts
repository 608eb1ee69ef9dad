import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's Prometheus metrics, served at `GET /metrics`. Labels carry ids (tenant,
 * connection), never personal data. Every part counts into these; the server only serves them.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'leadscore_process_' });

export const scoresComputed = new Counter({
  name: 'leadscore_scores_computed_total',
  help: 'Leads scored, by path (api: POST /score; realtime: one lead after new data; batch: scheduled or requested rescoring)',
  labelNames: ['path'] as const,
  registers: [metricsRegistry],
});

export const httpRequestDuration = new Histogram({
  name: 'leadscore_http_request_duration_seconds',
  help: 'API latency by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

export const queueDepth = new Gauge({
  name: 'leadscore_queue_depth',
  help: 'Work waiting: jobs queued or running, and CRM writes in the outbox not sent yet',
  labelNames: ['queue'] as const,
  registers: [metricsRegistry],
});

export const crmCalls = new Counter({
  name: 'leadscore_crm_calls_total',
  help: 'Calls to a CRM API by connection, operation and outcome (ok, error, rate_limited)',
  labelNames: ['tenant', 'connection', 'operation', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const trainingsInThread = new Gauge({
  name: 'leadscore_model_trainings_running',
  help: 'Model trainings (and model file writes) running in a worker thread of this process right now',
  registers: [metricsRegistry],
});

export const trainingsInThreadFinished = new Counter({
  name: 'leadscore_model_trainings_finished_total',
  help: 'Model trainings (and model file writes) this process ran in a worker thread that have ended, well or not',
  registers: [metricsRegistry],
});
