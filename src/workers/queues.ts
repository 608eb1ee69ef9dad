import { z } from 'zod';
import { TenantIdSchema } from '../domain/index.js';

/**
 * The job kinds, each a pg-boss queue. "stately" keeps at most one job of a kind per tenant
 * queued and one running: a schedule firing while the last run is still going adds nothing.
 */
export const QUEUES = ['sync', 'score', 'route', 'writeback', 'retrain', 'monitor', 'retention'] as const;
export type QueueName = (typeof QUEUES)[number];

export const JobDataSchema = z.object({
  tenant: TenantIdSchema,
  /** Why the job was asked for, for the logs: 'schedule', 'api', 'after score', ... */
  reason: z.string().max(100).default('unspecified'),
});
export type JobData = z.infer<typeof JobDataSchema>;
