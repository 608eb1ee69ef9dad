import { z } from 'zod';

const score100 = z.number().min(0).max(100);

export const ScoreReasonSchema = z.object({
  direction: z.enum(['positive', 'negative']),
  /** Feature the reason comes from, as named in the feature spec. */
  feature: z.string(),
  /** Contribution to the model's log-odds. */
  contribution: z.number(),
  /** A sentence a rep can read. */
  text: z.string(),
});
export type ScoreReason = z.infer<typeof ScoreReasonSchema>;

/** A lead that can be scored gets numbers; one that cannot says why, never a silent 0. */
export const ScoreSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('scored'),
    leadId: z.string(),
    composite: score100,
    /** Null only for a model brought in without fit and engagement models. */
    fit: score100.nullable(),
    engagement: score100.nullable(),
    /** Calibrated probability of conversion (composite / 100). */
    probability: z.number().min(0).max(1),
    grade: z.string().regex(/^[A-D][1-4]$/).nullable(),
    tier: z.string().min(1),
    reasons: z.array(ScoreReasonSchema),
    nextAction: z.string().nullable(),
    modelVersion: z.string(),
    featureSpecVersion: z.string(),
    scoredAt: z.date(),
  }),
  z.object({
    status: z.literal('not_scored'),
    leadId: z.string(),
    reason: z.string(),
    scoredAt: z.date(),
  }),
]);
export type Score = z.infer<typeof ScoreSchema>;
