import { translate, type SalesforceSession } from './session.js';

export interface FieldCheck {
  object: 'Lead' | 'Contact';
  present: string[];
  missing: string[];
  /** Every field name and relationship name the object has (lower case), to check read mappings against. */
  fieldNames?: string[];
  relationshipNames?: string[];
}

interface DescribeAnswer {
  name: string;
  fields: Array<{ name: string; type: string; length?: number; updateable?: boolean; relationshipName?: string | null }>;
}

export const PROVISIONED_OBJECTS = ['Lead', 'Contact'] as const;

/**
 * Which of the fields Leadscore writes exist on Lead and Contact (the managed package in lwc/
 * creates them; an unpackaged org may lack some): the connect step reports exactly the missing ones.
 */
export async function checkLeadscoreFields(session: SalesforceSession, fields: readonly string[]): Promise<FieldCheck[]> {
  const checks: FieldCheck[] = [];
  for (const object of PROVISIONED_OBJECTS) {
    const described = await session.get<DescribeAnswer>(`/sobjects/${object}/describe`);
    const names = new Set(described.fields.map((f) => f.name.toLowerCase()));
    checks.push({
      object,
      present: fields.filter((f) => names.has(f.toLowerCase())),
      missing: fields.filter((f) => !names.has(f.toLowerCase())),
      fieldNames: [...names],
      relationshipNames: described.fields.map((f) => f.relationshipName?.toLowerCase()).filter((r): r is string => Boolean(r)),
    });
  }
  return checks;
}

/** The Metadata API shape of each written value's field; the same types and sizes as lwc/force-app's metadata. */
const SCORE = { type: 'Number', precision: 3, scale: 0 } as const;
export const FIELD_DEFINITIONS: Record<string, { label: string; description: string } & Record<string, unknown>> = {
  composite: { ...SCORE, label: 'Leadscore Score', description: 'Composite score 0-100: the calibrated chance, in percent, that a lead like this converts. Written by Leadscore.' },
  fit: { ...SCORE, label: 'Leadscore Fit', description: 'Fit score 0-100: who the lead is. Written by Leadscore.' },
  engagement: { ...SCORE, label: 'Leadscore Engagement', description: 'Engagement score 0-100: what the lead does. Written by Leadscore.' },
  grade: { type: 'Text', length: 10, label: 'Leadscore Grade', description: 'Grade: fit letter A-D and engagement digit 1-4. Written by Leadscore.' },
  tier: { type: 'Text', length: 40, label: 'Leadscore Tier', description: 'Tier from the RevOps thresholds, or Not scored. Written by Leadscore.' },
  reasons: { type: 'LongTextArea', length: 32768, visibleLines: 6, label: 'Leadscore Reasons', description: 'The strongest reasons for and against. Written by Leadscore.' },
  nextAction: { type: 'Text', length: 255, label: 'Leadscore Next Action', description: 'What a rep should do next. Written by Leadscore.' },
  scoredAt: { type: 'DateTime', label: 'Leadscore Scored At', description: 'When Leadscore computed this score.' },
  modelVersion: { type: 'Text', length: 80, label: 'Leadscore Model Version', description: 'The model that computed this score. Written by Leadscore.' },
};

/** What provisioning did for one field ("Lead.Leadscore_Fit__c"). */
export interface FieldProvision {
  field: string;
  status: 'present' | 'created' | 'failed' | 'skipped';
  /** Why it failed or was skipped (Salesforce's status code and message). */
  reason?: string;
  /** Field-level security through the Leadscore_Admin permission set: granted, or why not. */
  access?: 'granted' | string;
}

interface MetadataSaveResult {
  fullName: string;
  success: boolean | string;
  errors?: { statusCode?: string; message?: string } | Array<{ statusCode?: string; message?: string }>;
}
interface RestSaveResult {
  id: string | null;
  success: boolean;
  errors: Array<{ statusCode: string; message: string }>;
}

export const ADMIN_PERMISSION_SET = 'Leadscore_Admin';
/** createMetadata takes at most 10 components a call. */
const METADATA_CHUNK = 10;

/**
 * For an unpackaged org: create the Leadscore fields that Describe shows missing on Lead and
 * Contact with the Metadata API (createMetadata, 10 a call), then grant read and edit on them
 * through the Leadscore_Admin permission set (made if absent) assigned to the connecting user, so
 * the integration can write them. `mapping` is written value -> field name. Each field's outcome is
 * reported on its own; one refused field never stops the others.
 */
export async function provisionLeadscoreFields(
  session: SalesforceSession,
  mapping: Record<string, string | null | undefined>,
  options: { create: boolean },
): Promise<{ fields: FieldProvision[]; checks: FieldCheck[] }> {
  const wanted = Object.entries(mapping).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '');
  const checks = await checkLeadscoreFields(session, wanted.map(([, f]) => f));
  const results: FieldProvision[] = [];
  const toCreate: Array<{ result: FieldProvision; definition: Record<string, unknown> }> = [];
  for (const check of checks) {
    for (const [key, name] of wanted) {
      const field = `${check.object}.${name}`;
      if (check.present.includes(name)) {
        results.push({ field, status: 'present' });
        continue;
      }
      const definition = FIELD_DEFINITIONS[key];
      const result: FieldProvision = { field, status: 'skipped' };
      results.push(result);
      if (!options.create) result.reason = 'missing; creating fields is switched off (salesforce.createMissingFields), install the Leadscore package or create it by hand';
      else if (!definition) result.reason = `missing; Leadscore has no definition for "${key}"`;
      else if (!/__c$/i.test(name)) result.reason = 'missing; only custom fields (ending in __c) can be created';
      else toCreate.push({ result, definition: { fullName: field, required: false, ...definition } });
    }
  }
  for (let i = 0; i < toCreate.length; i += METADATA_CHUNK) {
    const chunk = toCreate.slice(i, i + METADATA_CHUNK);
    let answer: MetadataSaveResult[];
    try {
      const raw = await session.connection.metadata.create('CustomField', chunk.map((c) => c.definition) as never[]);
      answer = (Array.isArray(raw) ? raw : [raw]) as unknown as MetadataSaveResult[];
    } catch (err) {
      const reason = translate(err, 'Metadata API createMetadata').message;
      for (const c of chunk) Object.assign(c.result, { status: 'failed', reason });
      continue;
    }
    const byName = new Map(answer.map((r) => [String(r.fullName).toLowerCase(), r]));
    for (const c of chunk) {
      const r = byName.get(c.result.field.toLowerCase());
      if (!r) Object.assign(c.result, { status: 'failed', reason: 'the Metadata API answered without a result for this field' });
      else if (r.success === true || r.success === 'true') c.result.status = 'created';
      else {
        const errors = Array.isArray(r.errors) ? r.errors : r.errors ? [r.errors] : [];
        Object.assign(c.result, { status: 'failed', reason: errors.map((e) => `${e.statusCode ?? 'ERROR'}: ${e.message ?? ''}`).join('; ') || 'refused without a reason' });
      }
    }
  }
  const created = results.filter((r) => r.status === 'created');
  if (created.length > 0) await grantAccess(session, created);
  return { fields: results, checks };
}

/** Read and edit on the created fields through the admin permission set, assigned to the connecting user. */
async function grantAccess(session: SalesforceSession, fields: FieldProvision[]): Promise<void> {
  const deny = (why: string) => fields.forEach((f) => (f.access = why));
  try {
    const found = await session.get<{ records: Array<{ Id: string }> }>(`/query?q=${encodeURIComponent(`SELECT Id FROM PermissionSet WHERE Name = '${ADMIN_PERMISSION_SET}'`)}`);
    let permissionSetId = found.records?.[0]?.Id ?? null;
    if (!permissionSetId) {
      const made = await session.send<RestSaveResult>('POST', '/sobjects/PermissionSet', { Name: ADMIN_PERMISSION_SET, Label: 'Leadscore Admin', Description: 'Read and edit the Leadscore fields (made by Leadscore on connect).' });
      if (!made.success || !made.id) return deny(`the permission set could not be made: ${made.errors.map((e) => `${e.statusCode}: ${e.message}`).join('; ')}`);
      permissionSetId = made.id;
    }
    const records = fields.map((f) => ({ attributes: { type: 'FieldPermissions' }, ParentId: permissionSetId, SobjectType: f.field.split('.')[0], Field: f.field, PermissionsRead: true, PermissionsEdit: true }));
    const granted = await session.send<RestSaveResult[]>('POST', '/composite/sobjects', { allOrNone: false, records });
    fields.forEach((f, i) => {
      const r = granted[i];
      // DUPLICATE_VALUE: the permission set already grants it.
      f.access = !r ? 'no answer for this field' : r.success || r.errors.every((e) => e.statusCode === 'DUPLICATE_VALUE') ? 'granted' : r.errors.map((e) => `${e.statusCode}: ${e.message}`).join('; ');
    });
    const assigned = await session.send<RestSaveResult>('POST', '/sobjects/PermissionSetAssignment', { AssigneeId: session.tokens.userId, PermissionSetId: permissionSetId }).catch((err: Error) => ({
      id: null,
      success: /DUPLICATE_VALUE/.test(err.message),
      errors: [{ statusCode: 'ERROR', message: err.message }],
    }));
    if (!assigned.success) fields.forEach((f) => f.access === 'granted' && (f.access = `granted to ${ADMIN_PERMISSION_SET}, not assigned to the connecting user: ${assigned.errors.map((e) => e.message).join('; ')}`));
  } catch (err) {
    deny(`field-level security not granted: ${(err as Error).message}`);
  }
}

/** Read mapping fields ("Industry", "Account.Name") an object lacks, by its Describe answer. */
export function missingReadFields(check: FieldCheck, paths: readonly string[]): string[] {
  const names = new Set(check.fieldNames ?? []);
  const relations = new Set(check.relationshipNames ?? []);
  return paths.filter((path) => {
    const [head, tail] = path.toLowerCase().split('.');
    return tail === undefined ? !names.has(head!) : !relations.has(head!);
  });
}
