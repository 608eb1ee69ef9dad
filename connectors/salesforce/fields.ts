import type { SalesforceSession } from './session.js';

export interface FieldCheck {
  object: 'Lead' | 'Contact';
  present: string[];
  missing: string[];
}

interface DescribeAnswer {
  name: string;
  fields: Array<{ name: string; type: string; length?: number; updateable?: boolean }>;
}

/**
 * Which of the fields Leadscore writes exist on Lead and Contact (the managed package in lwc/
 * creates them; an unpackaged org may lack some): the connect step reports exactly the missing ones.
 */
export async function checkLeadscoreFields(session: SalesforceSession, fields: readonly string[]): Promise<FieldCheck[]> {
  const checks: FieldCheck[] = [];
  for (const object of ['Lead', 'Contact'] as const) {
    const described = await session.get<DescribeAnswer>(`/sobjects/${object}/describe`);
    const names = new Set(described.fields.map((f) => f.name.toLowerCase()));
    checks.push({
      object,
      present: fields.filter((f) => names.has(f.toLowerCase())),
      missing: fields.filter((f) => !names.has(f.toLowerCase())),
    });
  }
  return checks;
}
