import { z } from 'zod';

/** A CRM object as the v3 APIs answer it: id, properties as text (or null), times. */
export const CrmObjectSchema = z.object({
  id: z.string().min(1),
  properties: z.record(z.string(), z.string().nullable()),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
  archived: z.boolean().optional(),
  propertiesWithHistory: z.record(z.string(), z.array(z.object({ value: z.string().nullable(), timestamp: z.string(), sourceType: z.string().optional(), sourceId: z.string().nullable().optional() }))).optional(),
});
export type CrmObject = z.infer<typeof CrmObjectSchema>;

const NextPage = z.object({ paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional() });

/** POST /crm/v3/objects/{type}/search: {total, results, paging.next.after}. */
export const SearchAnswerSchema = z.object({ total: z.number(), results: z.array(CrmObjectSchema) }).and(NextPage);
/** GET /crm/v3/objects/{type}: {results, paging.next.after}. */
export const ListAnswerSchema = z.object({ results: z.array(CrmObjectSchema) }).and(NextPage);
/** POST .../batch/read: {status, results, errors?}. */
export const BatchReadAnswerSchema = z.object({
  status: z.string(),
  results: z.array(CrmObjectSchema),
  errors: z.array(z.object({ category: z.string().optional(), message: z.string().optional(), context: z.record(z.string(), z.unknown()).optional() })).optional(),
});

/** POST /crm/v4/associations/{from}/{to}/batch/read: for each `from` id, the ids it is associated with. */
export const AssociationsAnswerSchema = z.object({
  status: z.string(),
  results: z.array(
    z.object({
      from: z.object({ id: z.union([z.string(), z.number()]).transform(String) }),
      to: z.array(z.object({ toObjectId: z.union([z.string(), z.number()]).transform(String) })),
      paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
    }),
  ),
});

/** Text of a property, trimmed, or null when absent or blank. */
export const text = (v: string | null | undefined): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/** A time property: ISO text or epoch milliseconds (both occur), as a Date, or null. */
export function time(v: string | null | undefined): Date | null {
  if (!v) return null;
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t);
}
