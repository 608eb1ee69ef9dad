import { z } from 'zod';

/** Tenant ids appear in URLs, file names and log lines, so they are kept to a safe slug. */
export const TenantIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'a tenant id is 1-63 lowercase letters, digits, "-" or "_", starting with a letter or digit')
  .brand<'TenantId'>();
export type TenantId = z.infer<typeof TenantIdSchema>;

export const TenantSchema = z.object({
  id: TenantIdSchema,
  name: z.string().min(1).max(200),
  createdAt: z.date(),
});
export type Tenant = z.infer<typeof TenantSchema>;

export function tenantId(value: string): TenantId {
  return TenantIdSchema.parse(value);
}
