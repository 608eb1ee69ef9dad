import type { Activity } from './activity.js';
import type { ConnectorKind } from './connection.js';
import type { Lead } from './lead.js';
import type { Outcome } from './outcome.js';

/** Where a record came from, so a problem can be reported at its place (file and line, or record id). */
export interface SourcePosition {
  file: string;
  /** Line as an editor shows it; the header is line 1. */
  line: number;
}

/** A record the source could not turn into a domain record, and why. */
export interface Rejection {
  file: string;
  line: number;
  /** The column (field) at fault, or null when the whole row or file is. */
  column: string | null;
  reason: string;
}

export interface SourceRecord<T> {
  value: T;
  position: SourcePosition | null;
}

/**
 * One page of a read. `cursor` is what to pass to resume after this page; a source without
 * incremental reads (a file bundle) answers null.
 */
export interface ReadBatch<T> {
  records: SourceRecord<T>[];
  rejections: Rejection[];
  /** Exact repeats of an earlier record in the same read, dropped by the source. */
  duplicatesSkipped: number;
  cursor: string | null;
}

/** Reads a CRM's leads, activities and outcomes, from a cursor (null = from the beginning). */
export interface LeadSource {
  readLeads(cursor: string | null): AsyncIterable<ReadBatch<Lead>>;
  readActivities(cursor: string | null): AsyncIterable<ReadBatch<Activity>>;
  readOutcomes(cursor: string | null): AsyncIterable<ReadBatch<Outcome>>;
  /** Leads deleted in the CRM since the cursor (null: since as far back as the CRM keeps), for sources that know. */
  readDeletions?(cursor: string | null): Promise<{ leadIds: string[]; cursor: string }>;
}

export type FieldValue = string | number | boolean | Date | null;

/** New values for the Leadscore fields of one CRM record. */
export interface FieldUpdate {
  leadId: string;
  fields: Record<string, FieldValue>;
  /** Version of the score these values come from; a sink never lets an older version win. */
  scoreVersion: number;
}

export interface OwnerChange {
  leadId: string;
  ownerId: string;
  /** The routing rule that chose the owner, for the CRM's audit trail. */
  rule: string;
}

/** A task for the new owner of a routed lead, carrying the service-level action of the lead's tier. */
export interface FollowUpTask {
  leadId: string;
  /** The CRM user the task is for (the lead's new owner). */
  ownerId: string;
  /** "Call within 1 hour: Ana Ruiz (Acme)". */
  subject: string;
  /** Why the lead matters (its tier, score and reasons), for the rep's opening line. */
  description: string;
  /** When the tier's service level runs out; null when its action names no time. */
  dueAt: Date | null;
  priority: 'high' | 'normal';
  /** The routing rule that created the task. */
  rule: string;
}

/** A follow-up task to create, keyed by its assignment: a repeat finds the task made before instead of making a second. */
export interface TaskToCreate extends FollowUpTask {
  key: string;
  /** When the lead was assigned (a task's time when its tier names no service level). */
  assignedAt: Date;
  /** True when an earlier try may have reached the CRM: look for the task before creating it. */
  triedBefore: boolean;
}

/** What creating a task did: the CRM's id of the task on success. */
export interface TaskResult extends WriteResult {
  taskId?: string;
}

export interface WriteResult {
  leadId: string;
  ok: boolean;
  /** Present when ok is false. */
  error?: { code: string; message: string; retryable: boolean };
  /** What was written differently from what was asked (a field missing in the CRM, a value truncated). */
  warnings?: string[];
}

/** Writes to a CRM. Batches are at most `maxBatchSize`; each record's result is reported on its own. */
export interface LeadSink {
  readonly maxBatchSize: number;
  writeFieldUpdates(updates: FieldUpdate[]): Promise<WriteResult[]>;
  changeOwners(changes: OwnerChange[]): Promise<WriteResult[]>;
  /** Follow-up tasks for new owners; absent for a sink that cannot create tasks. */
  createTasks?(tasks: TaskToCreate[]): Promise<TaskResult[]>;
}

export interface Connector {
  readonly kind: ConnectorKind;
  readonly source: LeadSource;
  /** Absent for a connector that cannot write back. */
  readonly sink: LeadSink | null;
  close(): Promise<void>;
}

/** How a connector package makes itself known: it validates its own options at creation. */
export interface ConnectorFactory {
  readonly kind: ConnectorKind;
  create(options: unknown): Connector;
}
