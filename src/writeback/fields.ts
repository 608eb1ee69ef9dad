import type { FieldValue } from '../domain/index.js';
import type { WrittenField } from '../settings/index.js';

/** The CRM-neutral outbox payload as a CRM's fields, through a field mapping (a field left unmapped is not written). */
export function mappedFields(payload: Record<string, unknown>, mapping: Partial<Record<WrittenField, string | null | undefined>>): Record<string, FieldValue> {
  const scored = payload.status === 'scored';
  const values: Record<WrittenField, FieldValue> = {
    composite: scored ? (payload.composite as number) : null,
    fit: scored ? (payload.fit as number | null) : null,
    engagement: scored ? (payload.engagement as number | null) : null,
    grade: scored ? (payload.grade as string | null) : null,
    tier: scored ? (payload.tier as string) : 'Not scored',
    reasons: scored ? (payload.reasons as string) : (payload.reason as string),
    nextAction: scored ? (payload.nextAction as string | null) : null,
    scoredAt: new Date(String(payload.scoredAt)),
    modelVersion: scored ? (payload.modelVersion as string) : null,
  };
  const fields: Record<string, FieldValue> = {};
  for (const [key, field] of Object.entries(mapping)) if (field) fields[field] = values[key as WrittenField];
  return fields;
}

/** The columns a CSV bundle tenant's writes get in out/: the neutral names. */
export const FILE_FIELDS: Record<WrittenField, string> = {
  composite: 'composite',
  fit: 'fit',
  engagement: 'engagement',
  grade: 'grade',
  tier: 'tier',
  reasons: 'reasons',
  nextAction: 'next_action',
  scoredAt: 'scored_at',
  modelVersion: 'model_version',
};
