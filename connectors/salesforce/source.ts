import type { Activity, Lead, LeadSource, Outcome, ReadBatch, Rejection, SourceRecord } from '../../src/domain/index.js';
import { ActivitySchema, LeadSchema } from '../../src/domain/index.js';
import type { SalesforceSession } from './session.js';

/** A record as the REST query answer has it: `attributes` plus the selected fields. */
type SfRecord = { attributes: { type: string; url: string }; Id: string; SystemModstamp: string; [field: string]: unknown };
interface QueryAnswer {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: SfRecord[];
}

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
}

const LEAD_FIELDS = ['Id', 'CreatedDate', 'Email', 'FirstName', 'LastName', 'Title', 'Company', 'Industry', 'NumberOfEmployees', 'AnnualRevenue', 'Country', 'LeadSource', 'SystemModstamp'];

/** Salesforce lead ids start with 00Q; a Task's WhoId may also be a Contact (003). */
const isLeadId = (id: unknown): id is string => typeof id === 'string' && id.startsWith('00Q');
const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
const soqlTime = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z');

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

  constructor(
    private readonly session: SalesforceSession,
    options: SalesforceSourceOptions = {},
  ) {
    this.options = options;
    this.overlapMs = (options.overlapSeconds ?? 300) * 1000;
    this.disqualified = options.disqualifiedStatuses ?? ['Unqualified', 'Disqualified'];
  }

  async *readLeads(cursor: string | null): AsyncIterable<ReadBatch<Lead>> {
    if (cursor === null && !this.options.onlyIds) {
      const { totalSize } = await this.session.get<QueryAnswer>(`/query?q=${encodeURIComponent('SELECT COUNT() FROM Lead')}`);
      if (totalSize > (this.options.bulkThreshold ?? 10_000)) {
        yield* this.bulkRead('Lead', `SELECT ${LEAD_FIELDS.join(', ')} FROM Lead`, (r) => this.toLead(r));
        return;
      }
    }
    yield* this.read('Lead', `SELECT ${LEAD_FIELDS.join(', ')} FROM Lead`, [], cursor, (r) => this.toLead(r));
  }

  /** A Lead record from a REST answer (typed JSON) or a Bulk API CSV row (all text, "" for empty). */
  private toLead(r: SfRecord): Lead | Rejection {
    const count = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : null);
    {
      const lead = {
        id: r.Id,
        createdAt: new Date(String(r.CreatedDate)),
        email: text(r.Email),
        firstName: text(r.FirstName),
        lastName: text(r.LastName),
        title: text(r.Title),
        company: text(r.Company),
        industry: text(r.Industry),
        employees: count(r.NumberOfEmployees),
        annualRevenue: count(r.AnnualRevenue),
        country: text(r.Country),
        leadSource: text(r.LeadSource),
        attributes: {},
      };
      return checked(LeadSchema, lead, r);
    }
  }

  /**
   * A Bulk API 2.0 query job for a large first backfill: created, polled until complete, and its
   * CSV results streamed in batches. The cursor is the newest SystemModstamp read.
   */
  private async *bulkRead<T>(object: string, soql: string, map: (r: SfRecord) => T | Rejection | null): AsyncIterable<ReadBatch<T>> {
    const stream = await this.session.bulkQuery(`${soql} ORDER BY SystemModstamp, Id`, {
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
    const task = (r: SfRecord): Activity | Rejection | null => {
      if (!isLeadId(r.WhoId)) return null;
      const type = taskType(String(r.TaskSubtype ?? ''));
      if (!type) return null;
      return checked(ActivitySchema, { leadId: r.WhoId, type, occurredAt: new Date(String(r.CreatedDate)), channel: 'salesforce_task', detail: text(r.Subject) }, r);
    };
    const event = (r: SfRecord): Activity | Rejection | null =>
      isLeadId(r.WhoId) ? checked(ActivitySchema, { leadId: r.WhoId, type: 'meeting', occurredAt: new Date(String(r.StartDateTime ?? r.CreatedDate)), channel: 'salesforce_event', detail: text(r.Subject) }, r) : null;
    const member = (r: SfRecord): Activity | Rejection | null => {
      if (!isLeadId(r.LeadId) || r.HasResponded !== true) return null;
      const type = campaignType(String((r.Campaign as { Type?: string } | null)?.Type ?? ''));
      if (!type) return null;
      return checked(ActivitySchema, { leadId: r.LeadId, type, occurredAt: new Date(String(r.FirstRespondedDate ?? r.CreatedDate)), channel: 'salesforce_campaign', detail: text((r.Campaign as { Name?: string } | null)?.Name) }, r);
    };
    const streams = [
      { key: 'Task', soql: 'SELECT Id, WhoId, Subject, TaskSubtype, CreatedDate, SystemModstamp FROM Task', where: ['WhoId != null'], map: task },
      { key: 'Event', soql: 'SELECT Id, WhoId, Subject, StartDateTime, CreatedDate, SystemModstamp FROM Event', where: ['WhoId != null'], map: event },
      { key: 'CampaignMember', soql: 'SELECT Id, LeadId, HasResponded, FirstRespondedDate, CreatedDate, Campaign.Type, Campaign.Name, SystemModstamp FROM CampaignMember', where: ['LeadId != null'], map: member },
    ];
    for (const s of streams) {
      for await (const batch of this.read(s.key, s.soql, s.where, positions[s.key] ?? null, s.map)) {
        if (batch.cursor) positions[s.key] = batch.cursor;
        yield { ...batch, cursor: JSON.stringify(positions) };
      }
    }
  }

  readOutcomes(cursor: string | null): AsyncIterable<ReadBatch<Outcome>> {
    const statuses = this.disqualified.map((s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ');
    return this.read(
      'LeadOutcome',
      'SELECT Id, IsConverted, ConvertedDate, Status, LastModifiedDate, CreatedDate, ConvertedOpportunity.IsWon, ConvertedOpportunity.Amount, SystemModstamp FROM Lead',
      [`(IsConverted = true OR Status IN (${statuses}))`],
      cursor,
      (r): Outcome | Rejection => {
        const opportunity = r.ConvertedOpportunity as { IsWon?: boolean; Amount?: number | null } | null;
        if (r.IsConverted === true) {
          // Conversion is the outcome scores predict; the won opportunity's amount is kept for value.
          const at = r.ConvertedDate ? new Date(`${String(r.ConvertedDate)}T00:00:00Z`) : new Date(String(r.LastModifiedDate));
          return { leadId: r.Id, converted: true, outcomeAt: at, amount: opportunity?.IsWon && typeof opportunity.Amount === 'number' ? opportunity.Amount : null };
        }
        return { leadId: r.Id, converted: false, outcomeAt: new Date(String(r.LastModifiedDate)), amount: null };
      },
    );
  }

  /**
   * Leads deleted since the cursor, from the getDeleted resource. Salesforce keeps about 15 days of
   * deletions and answers at most 30 days a call; the cursor is the `latestDateCovered` it names.
   */
  async readDeletions(cursor: string | null, now = new Date()): Promise<{ leadIds: string[]; cursor: string }> {
    const floor = now.getTime() - 15 * 86_400_000 + 60_000;
    let start = Math.max(cursor ? Date.parse(cursor) : floor, floor);
    const leadIds: string[] = [];
    let covered = cursor ?? new Date(start).toISOString();
    while (start < now.getTime() - 60_000) {
      const end = Math.min(start + 29 * 86_400_000, now.getTime());
      const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, '+00:00');
      const answer = await this.session.get<{ deletedRecords: Array<{ id: string; deletedDate: string }>; latestDateCovered: string }>(
        `/sobjects/Lead/deleted/?start=${encodeURIComponent(iso(start))}&end=${encodeURIComponent(iso(end))}`,
      );
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
    let answer = await this.session.get<QueryAnswer>(`/query?q=${encodeURIComponent(soql)}`);
    let newest = cursor && !Number.isNaN(Date.parse(cursor)) ? new Date(Date.parse(cursor)).toISOString() : cursor;
    for (;;) {
      const records: SourceRecord<T>[] = [];
      const rejections: Rejection[] = [];
      for (const r of answer.records) {
        const mapped = map(r);
        if (mapped === null) continue;
        if (isRejection(mapped)) rejections.push(mapped);
        else records.push({ value: mapped, position: { file: `${object}/${r.Id}`, line: 0 } });
        newest = later(newest, r.SystemModstamp);
      }
      yield { records, rejections, duplicatesSkipped: 0, cursor: newest };
      if (answer.done || !answer.nextRecordsUrl) return;
      answer = await this.session.getUrl<QueryAnswer>(answer.nextRecordsUrl);
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
