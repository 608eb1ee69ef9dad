import { z } from 'zod';
import { TenantIdSchema } from './tenant.js';

export const CONNECTOR_KINDS = ['file', 'salesforce', 'hubspot'] as const;
export const ConnectorKindSchema = z.enum(CONNECTOR_KINDS);
export type ConnectorKind = z.infer<typeof ConnectorKindSchema>;

/** A tenant's link to one CRM account (a Salesforce org, a HubSpot portal) or one file location. */
export const ConnectionSchema = z.object({
  tenantId: TenantIdSchema,
  id: z.string().min(1).max(200),
  kind: ConnectorKindSchema,
  /** The CRM's own account id: Salesforce org id, HubSpot hub id. */
  externalAccountId: z.string().nullable(),
  status: z.enum(['active', 'needs_reconnect', 'disconnected', 'uninstalled']),
  settings: z.record(z.string(), z.unknown()),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type Connection = z.infer<typeof ConnectionSchema>;
