/** What a batched upsert did with its rows. */
export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Leads whose stored data this write changed (what needs rescoring). */
  changedLeadIds?: string[];
}

export const emptyCounts = (): UpsertCounts => ({ inserted: 0, updated: 0, unchanged: 0 });

export function addCounts(into: UpsertCounts, more: UpsertCounts): void {
  into.inserted += more.inserted;
  into.updated += more.updated;
  into.unchanged += more.unchanged;
}

/** Keep the last of several records with the same key: Postgres refuses to upsert one row twice in a statement. */
export function lastByKey<T>(records: readonly T[], key: (record: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const record of records) byKey.set(key(record), record);
  return [...byKey.values()];
}
