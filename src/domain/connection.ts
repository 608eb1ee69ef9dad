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

/**
 * The `source` of leads read through a connection: a Salesforce org's leads are
 * 'salesforce:<org id>', so several orgs of one tenant stay apart and each lead's writes go back
 * to its own org; other kinds are their kind.
 */
export function connectionSource(kind: ConnectorKind, externalAccountId: string | null): string {
  return kind === 'salesforce' && externalAccountId ? `salesforce:${externalAccountId}` : kind;
}

/** Whether a lead stored with `stored` answers a request for `asked` ('salesforce' means any of the tenant's orgs). */
export function sourceMatches(stored: string | null, asked: string): boolean {
  return stored !== null && (stored === asked || stored.split(':')[0] === asked);
}
