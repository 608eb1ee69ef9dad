import type { Activity, Lead, LeadSource, Outcome, ReadBatch, Rejection, SourceRecord } from '../../src/domain/index.js';
import { ActivitySchema, LeadSchema } from '../../src/domain/index.js';
import { isLeadscoreError, LeadscoreError } from '../../src/domain/index.js';
import type { SalesforceSession } from './session.js';

/** A record as the REST query answer has it: `attributes` plus the selected fields. */
type SfRecord = { attributes: { type: string; url: string }; Id: string; SystemModstamp: string; [field: string]: unknown };
interface QueryAnswer {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: SfRecord[];
}

/** Domain lead field -> Salesforce field ("Email", "Segment__c", "Account.Name"), and custom attributes by name. */
export interface SourceFieldMapping {
  fields: Partial<Record<MappedLeadField, string | null>>;
  attributes: Record<string, string>;
}
type MappedLeadField = 'email' | 'firstName' | 'lastName' | 'title' | 'company' | 'industry' | 'employees' | 'annualRevenue' | 'country' | 'leadSource';

export interface SalesforceSourceOptions {
  /** A first backfill of more leads than this goes through Bulk API 2.0 instead of REST pages. */
  bulkThreshold?: number;
  /** Records per batch handed to the store from a Bulk API result. */
  bulkBatchSize?: number;
  /** How often and how long to wait for a Bulk API job, in ms. */
  bulkPollInterval?: number;
  bulkPollTimeout?: number;
  /** Edits can commit with a SystemModstamp slightly behind the newest one seen: re-read this much. */
  overlapSeconds?: number;
  /** Lead statuses that mean "disqualified" (an outcome that did not convert). */
  disqualifiedStatuses?: string[];
  /** Task subtype to activity type, "*" for any other (RevOps edit these in the settings). */
  taskTypes?: Record<string, string>;
  /** Responded campaign member's campaign type to activity type, "*" for any other. */
  campaignTypes?: Record<string, string>;
  /** Read only these leads (named by change events) and their outcomes, fresh; no activities. */
  onlyIds?: readonly string[];
  /** Which Lead fields fill the domain lead (default: the standard fields). */
  leadFields?: SourceFieldMapping;
  /** Read Contacts as leads too (with their activities), through this mapping; absent: Leads only. */
  contacts?: { fields: SourceFieldMapping } | null;
}

export const DEFAULT_LEAD_MAPPING: SourceFieldMapping = {
  fields: { email: 'Email', firstName: 'FirstName', lastName: 'LastName', title: 'Title', company: 'Company', industry: 'Industry', employees: 'NumberOfEmployees', annualRevenue: 'AnnualRevenue', country: 'Country', leadSource: 'LeadSource' },
  attributes: {},
};
const LEAD_KEYS: MappedLeadField[] = ['email', 'firstName', 'lastName', 'title', 'company', 'industry', 'employees', 'annualRevenue', 'country', 'leadSource'];

/** Salesforce ids say their object: 00Q Lead, 003 Contact (a Task's WhoId may be either). */
const isLeadId = (id: unknown): id is string => typeof id === 'string' && id.startsWith('00Q');
const isContactId = (id: unknown): id is string => typeof id === 'string' && id.startsWith('003');
/** Contacts that no converted lead became: a converted lead stays the person here (see convertedContacts). */
const NOT_A_CONVERTED_LEAD = 'Id NOT IN (SELECT ConvertedContactId FROM Lead WHERE IsConverted = true)';
const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : null);
const soqlTime = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z');
/** A field's value from a REST record (lookups nested: Account: {Name}) or a Bulk CSV row ("Account.Name" column). */
function valueAt(r: SfRecord, path: string): unknown {
  if (path in r) return r[path];
  const [head, tail] = path.split('.');
  if (tail === undefined) return undefined;
  const parent = r[head!] as Record<string, unknown> | null | undefined;
  return parent && typeof parent === 'object' ? parent[tail] : undefined;
}
const truthy = (v: unknown) => v === true || v === 'true';

/**
 * Reads an org's leads, activities and outcomes through the REST query API, incrementally by
 * SystemModstamp. A cursor is the newest SystemModstamp already read; each read starts a little
 * before it (the overlap) so an edit committed late is not missed, and the store's upserts make
 * the re-read rows no-ops. Pages follow `nextRecordsUrl`.
 */
export class SalesforceSource implements LeadSource {
  private readonly overlapMs: number;
  private readonly disqualified: string[];
  private readonly options: SalesforceSourceOptions;
  /** What the org lacks of the mapping (fields deleted by an admin, typos), for the connection's status. */
  readonly warnings: string[] = [];
  /**
   * Leads read as neither converted nor disqualified: a stored outcome of one of these was undone
   * in Salesforce (an admin un-converted it, or its status was reopened) and must be retracted.
   */
  readonly openLeadIds = new Set<string>();
  /**
   * Contacts that converted leads became (Lead.ConvertedContactId), each to its lead. Leadscore
   * keeps such a person as the lead, with its outcome: the Contact query leaves these contacts
   * out, activities that Salesforce moved to one count for its lead, and the sync drops a contact
   * stored before a lead was converted into it.
   */
  readonly convertedContacts = new Map<string, string>();
  /** The Lead backfill was large enough for Bulk API 2.0: so are the first reads of activities and outcomes. */
  private bulkBackfill = false;

  constructor(
    private readonly session: SalesforceSession,
    options: SalesforceSourceOptions = {},
  ) {
    this.options = options;
    this.overlapMs = (options.overlapSeconds ?? 300) * 1000;
    this.disqualified = options.disqualifiedStatuses ?? ['Unqualified', 'Disqualified'];
  }

  async *readLeads(cursor: string | null): AsyncIterable<ReadBatch<Lead>> {
    const contacts = this.options.contacts;
    // Change events name leads only: a re-read of named leads leaves Contacts alone.
    if (!contacts || this.options.onlyIds) {
      yield* this.readPeople('Lead', this.options.leadFields ?? DEFAULT_LEAD_MAPPING, cursor);
      return;
    }
    // With Contacts the stream keeps a position per object; a plain cursor is a Lead position from before.
    const positions = cursor && cursor.startsWith('{') ? parseCompound(cursor) : cursor ? { Lead: cursor } : {};
    for (const [object, mapping] of [['Lead', this.options.leadFields ?? DEFAULT_LEAD_MAPPING], ['Contact', contacts.fields]] as const) {
      for await (const batch of this.readPeople(object, mapping, positions[object] ?? null)) {
        if (batch.cursor) positions[object] = batch.cursor;
        yield { ...batch, cursor: JSON.stringify(positions) };
      }
    }
  }

  /** Leads or Contacts through their field mapping; fields the org lacks are left out and said so. */
  private async *readPeople(object: 'Lead' | 'Contact', mapping: SourceFieldMapping, cursor: string | null): AsyncIterable<ReadBatch<Lead>> {
    const extra = object === 'Lead' ? ['IsConverted', 'Status', 'ConvertedContactId'] : [];
    const where = object === 'Contact' ? [NOT_A_CONVERTED_LEAD] : [];
    let paths = mappedPaths(mapping);
    if (!sameMapping(object, mapping)) paths = await this.usable(object, paths, mapping);
    const select = () => `SELECT ${['Id', 'CreatedDate', ...paths, 'SystemModstamp', ...extra].join(', ')} FROM ${object}`;
    const map = (r: SfRecord) => this.toLead(r, mapping, paths);
    if (cursor === null && !this.options.onlyIds) {
      const { totalSize } = await this.session.get<QueryAnswer>(`/query?q=${encodeURIComponent(`SELECT COUNT() FROM ${object}`)}`);
      if (totalSize > (this.options.bulkThreshold ?? 10_000)) {
        if (object === 'Lead') this.bulkBackfill = true;
        yield* this.bulkRead(object, select(), where, map);
        return;
      }
    }
    try {
      yield* this.read(object, select(), where, cursor, map);
    } catch (err) {
      // A mapped field deleted by an admin fails the whole query: find which, leave it out, read again.
      if (!isLeadscoreError(err) || !/INVALID_FIELD|No such column/.test(err.message)) throw err;
      const before = paths.length;
      paths = await this.usable(object, paths, mapping);
      if (paths.length === before) throw err;
      yield* this.read(object, select(), where, cursor, map);
    }
  }

  /** The mapped fields the object has (a lookup path needs its relationship); the others are reported. */
  private async usable(object: string, paths: string[], mapping: SourceFieldMapping): Promise<string[]> {
    const described = await this.session.get<{ fields?: Array<{ name: string; relationshipName?: string | null }> }>(`/sobjects/${object}/describe`);
    if (!Array.isArray(described?.fields)) throw new LeadscoreError('CRM_REQUEST_FAILED', `Salesforce answered the ${object} Describe without a fields list`);
    const names = new Set(described.fields.map((f) => f.name.toLowerCase()));
    const relations = new Set(described.fields.map((f) => f.relationshipName?.toLowerCase()).filter(Boolean));
    return paths.filter((path) => {
      const [head, tail] = path.split('.');
      if (tail === undefined ? names.has(head!.toLowerCase()) : relations.has(head!.toLowerCase())) return true;
      const owner = [...Object.entries(mapping.fields), ...Object.entries(mapping.attributes)].find(([, f]) => f === path)?.[0] ?? path;
      const warning = `${object}.${path} (mapped to ${owner}) does not exist in this org or is not visible to the connected user; it is not read`;
      if (!this.warnings.includes(warning)) this.warnings.push(warning);
      return false;
    });
  }

  /** A Lead or Contact from a REST answer (typed JSON) or a Bulk API CSV row (all text, "" for empty). */
  private toLead(r: SfRecord, mapping: SourceFieldMapping, paths: string[]): Lead | Rejection {
    if (r.attributes.type === 'Lead' && typeof r.Id === 'string') {
      if (!truthy(r.IsConverted) && !this.disqualified.includes(String(r.Status ?? ''))) this.openLeadIds.add(r.Id);
      else this.openLeadIds.delete(r.Id);
      if (truthy(r.IsConverted) && isContactId(r.ConvertedContactId)) this.convertedContacts.set(r.ConvertedContactId, r.Id);
    }
    const count = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : null);
    const read = new Set(paths);
    const get = (key: MappedLeadField) => {
      const path = mapping.fields[key];
      return path && read.has(path) ? valueAt(r, path) : null;
    };
    const attributes: Record<string, string> = {};
    for (const [name, path] of Object.entries(mapping.attributes)) {
      const v = read.has(path) ? valueAt(r, path) : null;
      if (v !== null && v !== undefined && v !== '') attributes[name] = typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
    const created = typeof r.CreatedDate === 'string' ? new Date(r.CreatedDate) : null;
    if (typeof r.Id !== 'string' || !created || Number.isNaN(created.getTime())) {
      return { file: `${r.attributes?.type ?? 'record'}/${String(r.Id ?? '?')}`, line: 0, column: typeof r.Id !== 'string' ? 'Id' : 'CreatedDate', reason: 'Salesforce answered this record without a usable Id or CreatedDate' };
    }
    const lead = {
      id: r.Id,
      createdAt: created,
      email: text(get('email')),
      firstName: text(get('firstName')),
      lastName: text(get('lastName')),
      title: text(get('title')),
      company: text(get('company')),
      industry: text(get('industry')),
      employees: count(get('employees')),
      annualRevenue: count(get('annualRevenue')),
      country: text(get('country')),
      leadSource: text(get('leadSource')),
      attributes,
    };
    return checked(LeadSchema, lead, r);
  }

  /**
   * A Bulk API 2.0 query job for a large first backfill: created, polled until complete, and its
   * CSV results streamed in batches. The cursor is the newest SystemModstamp read.
   */
  private async *bulkRead<T>(object: string, select: string, where: string[], map: (r: SfRecord) => T | Rejection | null): AsyncIterable<ReadBatch<T>> {
    const soql = `${select}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY SystemModstamp, Id`;
    const stream = await this.session.bulkQuery(soql, {
      pollInterval: this.options.bulkPollInterval ?? 5000,
      pollTimeout: this.options.bulkPollTimeout ?? 30 * 60_000,
    });
    const size = this.options.bulkBatchSize ?? 2000;
    let records: SourceRecord<T>[] = [];
    let rejections: Rejection[] = [];
    let newest: string | null = null;
    for await (const row of stream) {
      const r = { attributes: { type: object, url: '' }, ...(row as Record<string, unknown>) } as SfRecord;
      const mapped = map(r);
      if (mapped !== null) {
        if (isRejection(mapped)) rejections.push(mapped);
        else records.push({ value: mapped, position: { file: `${object}/${r.Id}`, line: 0 } });
      }
      newest = later(newest, r.SystemModstamp);
      if (records.length + rejections.length >= size) {
        yield { records, rejections, duplicatesSkipped: 0, cursor: newest };
        records = [];
        rejections = [];
      }
    }
    yield { records, rejections, duplicatesSkipped: 0, cursor: newest };
  }

  async *readActivities(cursor: string | null): AsyncIterable<ReadBatch<Activity>> {
    // Tasks (calls, emails) and Events (meetings) name their lead in WhoId; campaign responses
    // (webinars, downloads, forms) are Campaign Members. Each stream keeps its own position.
    if (this.options.onlyIds) return;
    const positions = parseCompound(cursor);
    const taskType = lookup(this.options.taskTypes ?? { Call: 'call', Email: 'email_sent', ListEmail: 'email_sent', '*': 'task' });
    const campaignType = lookup(this.options.campaignTypes ?? { Webinar: 'webinar_attended', Content: 'content_download', '*': 'form_submit' });
    const contacts = Boolean(this.options.contacts);
    const person = (id: unknown): id is string => isLeadId(id) || (contacts && isContactId(id));
    // A converted lead's activities move to its contact in Salesforce; they stay the lead's here.
    const leadOf = (id: string) => this.convertedContacts.get(id) ?? id;
    const task = (r: SfRecord): Activity | Rejection | null => {
      if (!person(r.WhoId)) return null;
      const type = taskType(String(r.TaskSubtype ?? ''));
      if (!type) return null;
      return checked(ActivitySchema, { leadId: leadOf(r.WhoId), type, occurredAt: new Date(String(r.CreatedDate)), channel: 'salesforce_task', detail: text(r.Subject) }, r);
    };
    const event = (r: SfRecord): Activity | Rejection | null =>
      person(r.WhoId) ? checked(ActivitySchema, { leadId: leadOf(r.WhoId), type: 'meeting', occurredAt: new Date(String(text(r.StartDateTime) ?? r.CreatedDate)), channel: 'salesforce_event', detail: text(r.Subject) }, r) : null;
    const member = (r: SfRecord): Activity | Rejection | null => {
      const who = isLeadId(r.LeadId) ? r.LeadId : contacts && isContactId(r.ContactId) ? leadOf(r.ContactId) : null;
      if (!who || !truthy(r.HasResponded)) return null;
      const type = campaignType(String(valueAt(r, 'Campaign.Type') ?? ''));
      if (!type) return null;
      return checked(ActivitySchema, { leadId: who, type, occurredAt: new Date(String(text(r.FirstRespondedDate) ?? r.CreatedDate)), channel: 'salesforce_campaign', detail: text(valueAt(r, 'Campaign.Name')) }, r);
    };
    const streams = [
      { key: 'Task', soql: 'SELECT Id, WhoId, Subject, TaskSubtype, CreatedDate, SystemModstamp FROM Task', where: ['WhoId != null'], map: task },
      { key: 'Event', soql: 'SELECT Id, WhoId, Subject, StartDateTime, CreatedDate, SystemModstamp FROM Event', where: ['WhoId != null'], map: event },
      contacts
        ? { key: 'CampaignMember', soql: 'SELECT Id, LeadId, ContactId, HasResponded, FirstRespondedDate, CreatedDate, Campaign.Type, Campaign.Name, SystemModstamp FROM CampaignMember', where: ['(LeadId != null OR ContactId != null)'], map: member }
        : { key: 'CampaignMember', soql: 'SELECT Id, LeadId, HasResponded, FirstRespondedDate, CreatedDate, Campaign.Type, Campaign.Name, SystemModstamp FROM CampaignMember', where: ['LeadId != null'], map: member },
    ];
    for (const s of streams) {
      const position = positions[s.key] ?? null;
      const batches = position === null && this.bulkBackfill ? this.bulkRead(s.key, s.soql, s.where, s.map) : this.read(s.key, s.soql, s.where, position, s.map);
      for await (const batch of batches) {
        if (batch.cursor) positions[s.key] = batch.cursor;
        yield { ...batch, cursor: JSON.stringify(positions) };
      }
    }
  }

  readOutcomes(cursor: string | null): AsyncIterable<ReadBatch<Outcome>> {
    const statuses = this.disqualified.map((s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ');
    const select = 'SELECT Id, IsConverted, ConvertedDate, Status, LastModifiedDate, CreatedDate, ConvertedOpportunity.IsWon, ConvertedOpportunity.Amount, SystemModstamp FROM Lead';
    const where = `(IsConverted = true OR Status IN (${statuses}))`;
    const map = (r: SfRecord): Outcome | Rejection => {
      // REST nests the opportunity; a Bulk API row has "ConvertedOpportunity.IsWon" columns, all text.
      const won = truthy(valueAt(r, 'ConvertedOpportunity.IsWon'));
      const rawAmount = valueAt(r, 'ConvertedOpportunity.Amount');
      const amount = typeof rawAmount === 'number' ? rawAmount : typeof rawAmount === 'string' && rawAmount !== '' ? Number(rawAmount) : null;
      if (truthy(r.IsConverted)) {
        // Conversion is the outcome scores predict; the won opportunity's amount is kept for value.
        const at = r.ConvertedDate ? new Date(`${String(r.ConvertedDate).slice(0, 10)}T00:00:00Z`) : new Date(String(r.LastModifiedDate));
        return { leadId: r.Id, converted: true, outcomeAt: at, amount: won && amount !== null && Number.isFinite(amount) ? amount : null };
      }
      return { leadId: r.Id, converted: false, outcomeAt: new Date(String(r.LastModifiedDate)), amount: null };
    };
    return cursor === null && this.bulkBackfill ? this.bulkRead('LeadOutcome', select, [where], map) : this.read('LeadOutcome', select, [where], cursor, map);
  }

  /**
   * Leads deleted since the cursor, from the getDeleted resource. Salesforce keeps about 15 days of
   * deletions and answers at most 30 days a call; the cursor is the `latestDateCovered` it names.
   */
  async readDeletions(cursor: string | null, now = new Date(), object: 'Lead' | 'Contact' = 'Lead'): Promise<{ leadIds: string[]; cursor: string }> {
    const floor = now.getTime() - 15 * 86_400_000 + 60_000;
    let start = Math.max(cursor ? Date.parse(cursor) : floor, floor);
    const leadIds: string[] = [];
    let covered = cursor ?? new Date(start).toISOString();
    while (start < now.getTime() - 60_000) {
      const end = Math.min(start + 29 * 86_400_000, now.getTime());
      const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, '+00:00');
      const answer = await this.session.get<{ deletedRecords: Array<{ id: string; deletedDate: string }>; latestDateCovered: string }>(
        `/sobjects/${object}/deleted/?start=${encodeURIComponent(iso(start))}&end=${encodeURIComponent(iso(end))}`,
      );
      if (!Array.isArray(answer?.deletedRecords) || typeof answer.latestDateCovered !== 'string') {
        throw new LeadscoreError('CRM_REQUEST_FAILED', `Salesforce answered the ${object} getDeleted request without deletedRecords or latestDateCovered`);
      }
      leadIds.push(...answer.deletedRecords.map((r) => r.id));
      covered = answer.latestDateCovered;
      start = Math.max(end, Date.parse(covered));
      if (end >= now.getTime()) break;
    }
    return { leadIds, cursor: covered };
  }

  /** One query, page by page, from a SystemModstamp cursor (less the overlap), in SystemModstamp order. */
  private async *read<T>(
    object: string,
    select: string,
    where: string[],
    cursor: string | null,
    map: (r: SfRecord) => T | Rejection | null,
  ): AsyncIterable<ReadBatch<T>> {
    const conditions = [...where];
    const ids = this.options.onlyIds;
    if (ids && ['Lead', 'LeadOutcome'].includes(object)) conditions.push(`Id IN (${ids.map((id) => `'${id.replace(/[^A-Za-z0-9]/g, '')}'`).join(', ') || "''"})`);
    if (cursor) conditions.push(`SystemModstamp >= ${soqlTime(new Date(Date.parse(cursor) - this.overlapMs).toISOString())}`);
    const soql = `${select}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''} ORDER BY SystemModstamp, Id`;
    const page = (answer: QueryAnswer, what: string): QueryAnswer => {
      if (!answer || !Array.isArray(answer.records)) throw new LeadscoreError('CRM_REQUEST_FAILED', `Salesforce answered the ${object} query (${what}) without a records list; the records read before it are stored`);
      return answer;
    };
    let answer = page(await this.session.get<QueryAnswer>(`/query?q=${encodeURIComponent(soql)}`), 'first page');
    let newest = cursor && !Number.isNaN(Date.parse(cursor)) ? new Date(Date.parse(cursor)).toISOString() : cursor;
    for (;;) {
      const records: SourceRecord<T>[] = [];
      const rejections: Rejection[] = [];
      for (const r of answer.records) {
        if (!r || typeof r !== 'object' || typeof r.Id !== 'string') {
          rejections.push({ file: object, line: 0, column: 'Id', reason: `Salesforce answered a ${object} record without an Id: ${JSON.stringify(r).slice(0, 200)}` });
          continue;
        }
        if (!r.attributes) r.attributes = { type: object, url: '' };
        const mapped = map(r);
        if (mapped === null) continue;
        if (isRejection(mapped)) rejections.push(mapped);
        else records.push({ value: mapped, position: { file: `${object}/${r.Id}`, line: 0 } });
        newest = later(newest, r.SystemModstamp);
      }
      yield { records, rejections, duplicatesSkipped: 0, cursor: newest };
      if (answer.done || !answer.nextRecordsUrl) return;
      answer = page(await this.session.getUrl<QueryAnswer>(answer.nextRecordsUrl), answer.nextRecordsUrl);
    }
  }
}

/** The later of a cursor and a SystemModstamp, as ISO text (REST says +0000, Bulk CSV says Z). */
function later(cursor: string | null, modstamp: string | undefined): string | null {
  const t = modstamp ? Date.parse(modstamp) : NaN;
  if (Number.isNaN(t)) return cursor;
  return cursor === null || t > Date.parse(cursor) ? new Date(t).toISOString() : cursor;
}

/** A case-insensitive mapping with "*" for anything else; no "*" means other values are skipped. */
function lookup(mapping: Record<string, string>): (value: string) => string | null {
  const byKey = new Map(Object.entries(mapping).map(([k, v]) => [k.toLowerCase(), v]));
  return (value) => byKey.get(value.toLowerCase()) ?? byKey.get('*') ?? null;
}

function isRejection(v: unknown): v is Rejection {
  return typeof v === 'object' && v !== null && 'reason' in v && 'file' in v;
}

/** Validate a mapped record with its domain schema; a bad one is rejected with its record and field. */
function checked<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, value: unknown, r: SfRecord): T | Rejection {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  return { file: `${r.attributes?.type ?? 'record'}/${r.Id}`, line: 0, column: String(issue.path[0] ?? '') || null, reason: issue.message };
}

function parseCompound(cursor: string | null): Record<string, string> {
  if (!cursor) return {};
  try {
    return JSON.parse(cursor) as Record<string, string>;
  } catch {
    return {};
  }
}

function mappedPaths(mapping: SourceFieldMapping): string[] {
  const paths = [...LEAD_KEYS.map((k) => mapping.fields[k]), ...Object.values(mapping.attributes)].filter((p): p is string => typeof p === 'string' && p !== '');
  const seen = new Set<string>();
  return paths.filter((p) => !seen.has(p.toLowerCase()) && seen.add(p.toLowerCase()));
}

/** The standard Lead mapping needs no Describe (standard fields cannot be deleted). */
function sameMapping(object: string, mapping: SourceFieldMapping): boolean {
  return object === 'Lead' && Object.keys(mapping.attributes).length === 0 && LEAD_KEYS.every((k) => mapping.fields[k] === DEFAULT_LEAD_MAPPING.fields[k]);
}
