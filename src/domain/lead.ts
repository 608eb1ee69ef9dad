import { z } from 'zod';

/** A lead as Leadscore keeps it, whatever CRM or file it came from. */
export const LeadSchema = z.object({
  id: z.string().min(1).max(255),
  createdAt: z.date(),
  email: z.string().max(320).nullable(),
  firstName: z.string().max(255).nullable(),
  lastName: z.string().max(255).nullable(),
  title: z.string().max(500).nullable(),
  company: z.string().max(500).nullable(),
  industry: z.string().max(255).nullable(),
  employees: z.number().int().nonnegative().nullable(),
  annualRevenue: z.number().nonnegative().nullable(),
  country: z.string().max(255).nullable(),
  leadSource: z.string().max(255).nullable(),
  /** Fields the source has beyond the standard ones, kept as text under their source name. */
  attributes: z.record(z.string(), z.string()),
});
export type Lead = z.infer<typeof LeadSchema>;
