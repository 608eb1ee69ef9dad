import { z } from 'zod';

/** What happened to a lead: converted (won) or not, and when that was decided. */
export const OutcomeSchema = z.object({
  leadId: z.string().min(1).max(255),
  converted: z.boolean(),
  outcomeAt: z.date(),
  amount: z.number().nonnegative().nullable(),
});
export type Outcome = z.infer<typeof OutcomeSchema>;
