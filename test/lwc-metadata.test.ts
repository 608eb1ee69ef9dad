import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { Score } from '../src/domain/index.js';
import { writePayload } from '../src/scoring/rescore.js';
import { DEFAULT_SETTINGS, WRITTEN_FIELDS, type WrittenField } from '../src/settings/index.js';
import { mappedFields } from '../src/writeback/index.js';

// The Salesforce package in lwc/ against the app: every metadata file well formed, and the field
// names used by the connector's defaults, the card, the Apex class and the permission sets agree.

const ROOT = path.resolve(import.meta.dirname, '..', 'lwc');
const SOURCE = path.join(ROOT, 'force-app', 'main', 'default');
const OBJECTS = ['Lead', 'Contact'] as const;
const METADATA_NS = 'http://soap.sforce.com/2006/04/metadata';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === 'node_modules' || name.startsWith('.sf')) return [];
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

const REPEATED = new Set(['fieldPermissions', 'classAccesses', 'externalCredentialPrincipalAccesses', 'externalCredentialParameters', 'namedCredentialParameters', 'object', 'target', 'targetConfig']);
const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (name) => REPEATED.has(name) });

type Xml = Record<string, unknown>;
function readXml(file: string): Xml {
  return parser.parse(readFileSync(path.join(SOURCE, file), 'utf8')) as Xml;
}
const read = (file: string) => readFileSync(path.join(SOURCE, file), 'utf8');

/** What each written value needs of its Salesforce field: type, and length or precision. */
const FIELD_SHAPES: Record<WrittenField, (f: Xml) => string | null> = {
  composite: score,
  fit: score,
  engagement: score,
  // Grades are a letter and a digit.
  grade: (f) => text(f, 2),
  // Tier names are at most 40 characters (src/settings/schema.ts); "Not scored" fits too.
  tier: (f) => text(f, 40),
  reasons: (f) => (f.type === 'LongTextArea' && Number(f.length) >= 4000 ? null : `is ${f.type}(${f.length}), wants LongTextArea of 4000 or more`),
  // A tier action (up to 200) and the strongest reason: the sink cuts text to the field's length.
  nextAction: (f) => (f.type === 'TextArea' || (f.type === 'Text' && Number(f.length) === 255) ? null : `is ${f.type}(${f.length}), wants Text(255) or TextArea`),
  scoredAt: (f) => (f.type === 'DateTime' ? null : `is ${f.type}, wants DateTime`),
  modelVersion: (f) => text(f, 40),
};
function score(f: Xml): string | null {
  return f.type === 'Number' && f.precision === '3' && f.scale === '0' ? null : `is ${f.type}(${f.precision},${f.scale}), wants Number(3,0)`;
}
function text(f: Xml, atLeast: number): string | null {
  return f.type === 'Text' && Number(f.length) >= atLeast ? null : `is ${f.type}(${f.length}), wants Text of ${atLeast} or more`;
}

const MAPPING = DEFAULT_SETTINGS.fieldMappings.salesforce;
const SCORED: Score = {
  status: 'scored',
  leadId: '00Q5g00000Abc12EAB',
  composite: 31.4,
  fit: 64,
  engagement: 22,
  probability: 0.314,
  grade: 'B3',
  tier: 'Warm',
  reasons: [
    { direction: 'positive', feature: 'pricing_views_7d', contribution: 0.41, text: 'Viewed the pricing page 3 times in the last week' },
    { direction: 'negative', feature: 'email_replies_30d', contribution: -0.18, text: 'No reply to the last 2 emails' },
    { direction: 'positive', feature: 'title_seniority', contribution: 0.2, text: 'VP of Sales: senior buyers convert more often' },
  ],
  nextAction: 'Follow up within 2 business days: viewed the pricing page 3 times in the last week',
  modelVersion: '20261122-172624-43c2755f',
  featureSpecVersion: 'fs-1',
  scoredAt: new Date('2026-11-20T10:00:00Z'),
};
/** The fields the Salesforce writeback sets for a scored lead, with their values. */
const WRITTEN = mappedFields(writePayload(SCORED), MAPPING);
const WRITTEN_NAMES = Object.keys(WRITTEN).sort();

function fieldFile(object: string, name: string): Xml | null {
  try {
    return readXml(`objects/${object}/fields/${name}.field-meta.xml`).CustomField as Xml;
  } catch {
    return null;
  }
}
const metadataFields = (object: string) =>
  readdirSync(path.join(SOURCE, 'objects', object, 'fields'))
    .map((f) => f.replace(/\.field-meta\.xml$/, ''))
    .sort();

describe('lwc/ metadata', () => {
  const xmlFiles = filesUnder(ROOT).filter((f) => f.endsWith('.xml'));

  it('has the metadata files the package needs', () => {
    const relative = xmlFiles.map((f) => path.relative(SOURCE, f));
    for (const file of [
      'permissionsets/Leadscore_User.permissionset-meta.xml',
      'permissionsets/Leadscore_Admin.permissionset-meta.xml',
      'namedCredentials/Leadscore.namedCredential-meta.xml',
      'externalCredentials/Leadscore.externalCredential-meta.xml',
      'classes/LeadscoreApi.cls-meta.xml',
      'classes/LeadscoreApiTest.cls-meta.xml',
      'lwc/leadScoreCard/leadScoreCard.js-meta.xml',
    ]) {
      expect(relative, file).toContain(file);
    }
  });

  it.each(xmlFiles.map((f) => [path.relative(ROOT, f), f]))('%s is well-formed Salesforce metadata', (_name, file) => {
    const xml = readFileSync(file, 'utf8');
    const valid = XMLValidator.validate(xml);
    expect(valid === true ? 'well formed' : `${valid.err.msg} at line ${valid.err.line}`).toBe('well formed');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const parsed = parser.parse(xml) as Record<string, Xml>;
    const roots = Object.keys(parsed).filter((k) => k !== '?xml');
    expect(roots).toHaveLength(1);
    expect(parsed[roots[0]!]!['@_xmlns']).toBe(METADATA_NS);
  });

  it('uses the project API version in every component', () => {
    const project = JSON.parse(readFileSync(path.join(ROOT, 'sfdx-project.json'), 'utf8')) as { sourceApiVersion: string; packageDirectories: Array<{ path: string }> };
    expect(project.packageDirectories.map((d) => d.path)).toEqual(['force-app']);
    const versions = xmlFiles.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/<apiVersion>([^<]+)<\/apiVersion>/g)].map((m) => m[1]));
    expect(versions.length).toBeGreaterThan(0);
    expect(new Set(versions)).toEqual(new Set([project.sourceApiVersion]));
  });
});

describe('the fields Leadscore writes to Salesforce', () => {
  it('are the settings defaults, one for each written value', () => {
    expect(Object.keys(MAPPING).sort()).toEqual([...WRITTEN_FIELDS].sort());
    expect(WRITTEN_NAMES).toEqual(Object.values(MAPPING).sort());
  });

  it.each(OBJECTS)('exist on %s with the type each value needs, and nothing else is there', (object) => {
    expect(metadataFields(object)).toEqual(WRITTEN_NAMES);
    for (const key of WRITTEN_FIELDS) {
      const name = MAPPING[key]!;
      const field = fieldFile(object, name);
      expect(field, `${object}.${name}`).not.toBeNull();
      expect(field!.fullName, `${object}.${name} fullName`).toBe(name);
      expect(FIELD_SHAPES[key](field!), `${object}.${name}`).toBeNull();
      expect(field!.label, `${object}.${name} label`).toMatch(/^Leadscore /);
    }
  });

  it('take the values the writeback sends: whole scores 0-100, dates, text within length', () => {
    for (const key of WRITTEN_FIELDS) {
      const name = MAPPING[key]!;
      const value = WRITTEN[name];
      const field = fieldFile('Lead', name)!;
      if (field.type === 'Number') expect(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 100, `${name} = ${String(value)}`).toBe(true);
      else if (field.type === 'DateTime') expect(value).toBeInstanceOf(Date);
      else {
        expect(typeof value, name).toBe('string');
        if (field.length && field.type !== 'LongTextArea') expect((value as string).length, name).toBeLessThanOrEqual(Number(field.length));
      }
    }
    // A lead that cannot be scored clears the numbers and says why in the tier and reasons.
    const notScored = mappedFields(writePayload({ status: 'not_scored', leadId: SCORED.leadId, reason: 'too little data', scoredAt: SCORED.scoredAt }), MAPPING);
    expect(notScored[MAPPING.composite!]).toBeNull();
    expect(notScored[MAPPING.tier!]).toBe('Not scored');
  });
});

describe('the leadScoreCard', () => {
  const fieldsModule = read('lwc/leadScoreCard/leadscoreFields.js');
  const imported = [...fieldsModule.matchAll(/from '@salesforce\/schema\/(\w+)\.(\w+)'/g)].map((m) => `${m[1]}.${m[2]}`);

  it.each(OBJECTS)('imports every written field of %s, and only fields that exist', (object) => {
    const names = imported.filter((i) => i.startsWith(`${object}.`)).map((i) => i.slice(object.length + 1));
    expect(names.sort()).toEqual(WRITTEN_NAMES);
    for (const name of names) expect(fieldFile(object, name), `${object}.${name}`).not.toBeNull();
  });

  it('imports only Lead and Contact fields', () => {
    expect(imported.length).toBe(WRITTEN_NAMES.length * OBJECTS.length);
    expect(imported.every((i) => i.startsWith('Lead.') || i.startsWith('Contact.'))).toBe(true);
  });

  it('calls Apex methods that LeadscoreApi exposes to Lightning', () => {
    const card = read('lwc/leadScoreCard/leadScoreCard.js');
    const apex = read('classes/LeadscoreApi.cls');
    const calls = [...card.matchAll(/from '@salesforce\/apex\/(\w+)\.(\w+)'/g)].map((m) => [m[1], m[2]]);
    expect(calls).toEqual([
      ['LeadscoreApi', 'getScoreHistory'],
      ['LeadscoreApi', 'sendFeedback'],
    ]);
    expect(apex).toMatch(/@AuraEnabled\s+public static Map<String, Object> getScoreHistory\(Id recordId\)/);
    expect(apex).toMatch(/@AuraEnabled\s+public static Map<String, Object> sendFeedback\(Id recordId, String reason, String comment\)/);
  });

  it('offers the feedback reasons the API and the Apex class accept', () => {
    const contract = ['too_high', 'too_low', 'wrong_reasons', 'other'];
    const card = read('lwc/leadScoreCard/leadScoreCard.js');
    const apex = read('classes/LeadscoreApi.cls');
    expect([...card.matchAll(/value: '(\w+)'/g)].map((m) => m[1])).toEqual(contract);
    const apexSet = /FEEDBACK_REASONS = new Set<String>\{([^}]*)\}/.exec(apex)?.[1] ?? '';
    expect([...apexSet.matchAll(/'(\w+)'/g)].map((m) => m[1])).toEqual(contract);
  });

  it('reads the reasons field the way the writeback writes it', async () => {
    const view = (await import(pathToFileURL(path.join(SOURCE, 'lwc/leadScoreCard/scoreView.js')).href)) as {
      splitReasons: (text: string) => { positive: string[]; negative: string[] };
      NOT_SCORED_TIER: string;
    };
    expect(view.splitReasons(WRITTEN[MAPPING.reasons!] as string)).toEqual({
      positive: ['Viewed the pricing page 3 times in the last week', 'VP of Sales: senior buyers convert more often'],
      negative: ['No reply to the last 2 emails'],
    });
    const notScored = mappedFields(writePayload({ status: 'not_scored', leadId: SCORED.leadId, reason: 'too little data', scoredAt: SCORED.scoredAt }), MAPPING);
    expect(view.NOT_SCORED_TIER).toBe(notScored[MAPPING.tier!]);
  });

  it('is exposed on Lead and Contact record pages', () => {
    const bundle = readXml('lwc/leadScoreCard/leadScoreCard.js-meta.xml').LightningComponentBundle as Xml;
    expect(bundle.isExposed).toBe('true');
    expect((bundle.targets as Xml).target).toEqual(['lightning__RecordPage']);
    const config = ((bundle.targetConfigs as Xml).targetConfig as Xml[])[0]!;
    expect(config['@_targets']).toBe('lightning__RecordPage');
    expect(((config.objects as Xml).object as string[]).sort()).toEqual(['Contact', 'Lead']);
  });

  it('has no hard-coded colours: SLDS classes and tokens only', () => {
    const css = filesUnder(path.join(SOURCE, 'lwc')).filter((f) => f.endsWith('.css') || f.endsWith('.html'));
    for (const file of css) {
      const body = readFileSync(file, 'utf8');
      expect(body, path.relative(SOURCE, file)).not.toMatch(/#[0-9a-f]{3,8}\b|\b(rgba?|hsla?)\(|\b(red|green|blue|orange|yellow|black|white|gr[ae]y)\b\s*;/i);
    }
  });
});

describe('the permission sets', () => {
  const permissionSet = (name: string) => readXml(`permissionsets/${name}.permissionset-meta.xml`).PermissionSet as Xml;

  it.each([
    ['Leadscore_User', 'false'],
    ['Leadscore_Admin', 'true'],
  ])('%s reads every Leadscore field (editable: %s), and no field that does not exist', (name, editable) => {
    const set = permissionSet(name);
    const granted = (set.fieldPermissions as Xml[]).map((p) => ({ field: String(p.field), readable: p.readable, editable: p.editable }));
    const expected = OBJECTS.flatMap((object) => WRITTEN_NAMES.map((field) => `${object}.${field}`)).sort();
    expect(granted.map((g) => g.field).sort()).toEqual(expected);
    for (const g of granted) {
      expect(g.readable, g.field).toBe('true');
      expect(g.editable, g.field).toBe(editable);
      const [object, field] = g.field.split('.');
      expect(fieldFile(object!, field!), g.field).not.toBeNull();
    }
  });

  it.each(['Leadscore_User', 'Leadscore_Admin'])('%s runs the Apex controller and uses the Leadscore credential', (name) => {
    const set = permissionSet(name);
    expect((set.classAccesses as Xml[]).map((c) => [c.apexClass, c.enabled])).toEqual([['LeadscoreApi', 'true']]);
    const external = readXml('externalCredentials/Leadscore.externalCredential-meta.xml').ExternalCredential as Xml;
    const principals = (external.externalCredentialParameters as Xml[]).filter((p) => p.parameterType === 'NamedPrincipal').map((p) => `Leadscore-${String(p.parameterName)}`);
    const access = (set.externalCredentialPrincipalAccesses as Xml[]).map((a) => [a.externalCredentialPrincipal, a.enabled]);
    expect(access).toEqual([[principals[0], 'true']]);
  });
});

describe('the Named Credential', () => {
  it('is the one the Apex class calls, and authenticates through the Leadscore external credential', () => {
    const named = readXml('namedCredentials/Leadscore.namedCredential-meta.xml').NamedCredential as Xml;
    const params = named.namedCredentialParameters as Xml[];
    expect(params.find((p) => p.parameterType === 'Url')?.parameterValue).toMatch(/^https:\/\//);
    expect(params.find((p) => p.parameterType === 'Authentication')?.externalCredential).toBe('Leadscore');
    const apex = read('classes/LeadscoreApi.cls');
    expect(apex).toContain("'callout:Leadscore/api/v1/leads/salesforce/'");
    expect(apex).toContain("+ '/score'");
    expect(apex).toContain("+ '/feedback'");
  });

  it('sends the API key as a bearer token from a parameter, never from source', () => {
    const external = readXml('externalCredentials/Leadscore.externalCredential-meta.xml').ExternalCredential as Xml;
    const header = (external.externalCredentialParameters as Xml[]).find((p) => p.parameterType === 'AuthHeader');
    expect(header?.parameterName).toBe('Authorization');
    expect(header?.parameterValue).toBe("{!'Bearer ' & $Credential.Leadscore.ApiKey}");
    expect(filesUnder(ROOT).some((f) => /ls_[A-Za-z0-9]{8,}/.test(readFileSync(f, 'utf8')))).toBe(false);
  });
});
