import { z } from 'zod';
import { LeadscoreError } from '../../src/domain/index.js';
import type { HubSpotApi } from './api.js';
import { HubSpotRequestError } from './errors.js';

export const PROPERTY_GROUP = 'leadscore';

/** A contact property definition as GET /crm/v3/properties/contacts answers it (the parts used here). */
const PropertySchema = z.object({
  name: z.string(),
  type: z.string(),
  fieldType: z.string(),
  groupName: z.string().optional(),
  options: z.array(z.object({ label: z.string(), value: z.string(), hidden: z.boolean().optional() })).optional(),
  modificationMetadata: z.object({ readOnlyValue: z.boolean().optional() }).optional(),
});
export type PropertyDefinition = z.infer<typeof PropertySchema>;
const PropertiesAnswer = z.object({ results: z.array(PropertySchema) });

/** What Leadscore writes, as the kind of HubSpot property that holds it. */
const KINDS: Record<string, { type: string; fieldType: string; label: string; description: string }> = {
  composite: { type: 'number', fieldType: 'number', label: 'Leadscore score', description: 'Calibrated chance of conversion, 0-100' },
  fit: { type: 'number', fieldType: 'number', label: 'Leadscore fit', description: 'Who the lead is, 0-100' },
  engagement: { type: 'number', fieldType: 'number', label: 'Leadscore engagement', description: 'What the lead does, 0-100' },
  grade: { type: 'string', fieldType: 'text', label: 'Leadscore grade', description: 'Fit letter and engagement digit, e.g. A1' },
  tier: { type: 'enumeration', fieldType: 'select', label: 'Leadscore tier', description: 'Tier from the thresholds RevOps set' },
  reasons: { type: 'string', fieldType: 'textarea', label: 'Leadscore reasons', description: 'Why the lead scores as it does' },
  nextAction: { type: 'string', fieldType: 'textarea', label: 'Leadscore next action', description: 'What to do with the lead now' },
  scoredAt: { type: 'datetime', fieldType: 'date', label: 'Leadscore scored at', description: 'When the score was computed' },
  modelVersion: { type: 'string', fieldType: 'text', label: 'Leadscore model version', description: 'The model that computed the score' },
};

export interface ProvisionResult {
  groupCreated: boolean;
  created: string[];
  present: string[];
  /** Tier options that were missing (never created or deleted in the portal) and were added. */
  optionsAdded: string[];
}

/** Every contact property definition of the portal, by name. */
export async function contactProperties(api: HubSpotApi): Promise<Map<string, PropertyDefinition>> {
  const answer = await api.request('the contact property list', { method: 'GET', path: '/crm/v3/properties/contacts', query: { archived: 'false' } }, PropertiesAnswer);
  return new Map(answer.results.map((p) => [p.name, p]));
}

/**
 * On connect: the `leadscore` property group and a contact property for each value the tenant's
 * mapping writes (numbers, the tier as an enumeration of the tier names, reasons as text,
 * scored-at as a datetime), created where missing. Existing properties are kept as they are,
 * except that tier options the settings name and the portal lacks are added.
 */
export async function provisionProperties(api: HubSpotApi, mapping: Record<string, string | null | undefined>, tierNames: readonly string[]): Promise<ProvisionResult> {
  const result: ProvisionResult = { groupCreated: false, created: [], present: [], optionsAdded: [] };
  try {
    await api.send('the leadscore property group lookup', { method: 'GET', path: `/crm/v3/properties/contacts/groups/${PROPERTY_GROUP}` });
  } catch (err) {
    if (!(err instanceof HubSpotRequestError && err.status === 404)) throw err;
    await api.send('the leadscore property group creation', { method: 'POST', path: '/crm/v3/properties/contacts/groups', body: { name: PROPERTY_GROUP, label: 'Leadscore', displayOrder: -1 } });
    result.groupCreated = true;
  }
  const existing = await contactProperties(api);
  const options = tierNames.map((name, i) => ({ label: name, value: name, displayOrder: i, hidden: false }));
  const inputs: Array<Record<string, unknown>> = [];
  for (const [field, name] of Object.entries(mapping)) {
    const kind = KINDS[field];
    if (!name || !kind) continue;
    const found = existing.get(name);
    if (found) {
      if (found.type !== kind.type) {
        throw new LeadscoreError('CRM_REQUEST_FAILED', `the contact property ${name} exists in this portal as a ${found.type}, but Leadscore writes a ${kind.type} there; rename it or map ${field} to another property in the settings`);
      }
      result.present.push(name);
      if (kind.type === 'enumeration') await addMissingOptions(api, found, options, result);
      continue;
    }
    inputs.push({ name, groupName: PROPERTY_GROUP, label: kind.label, description: kind.description, type: kind.type, fieldType: kind.fieldType, ...(kind.type === 'enumeration' ? { options } : {}) });
  }
  if (inputs.length) {
    await api.send('the leadscore property creation', { method: 'POST', path: '/crm/v3/properties/contacts/batch/create', body: { inputs } });
    result.created.push(...inputs.map((p) => String(p.name)));
  }
  return result;
}

async function addMissingOptions(api: HubSpotApi, property: PropertyDefinition, wanted: Array<{ label: string; value: string; displayOrder: number; hidden: boolean }>, result: ProvisionResult): Promise<void> {
  const have = property.options ?? [];
  const values = new Set(have.map((o) => o.value));
  const missing = wanted.filter((o) => !values.has(o.value));
  if (missing.length === 0) return;
  await api.send('the tier options update', { method: 'PATCH', path: `/crm/v3/properties/contacts/${property.name}`, body: { options: [...have, ...missing] } });
  result.optionsAdded.push(...missing.map((o) => o.value));
}
