/** Wording and colours of the card, kept apart from the layout so they are easy to test. */

/**
 * A calibrated probability as a rep would say it: "about 3 in 10 similar leads converted".
 * Tens read best; below 1 in 20 and above 19 in 20 hundreds keep the difference visible.
 */
export function probabilityInWords(p: number): string {
  if (!Number.isFinite(p) || p < 0) return 'no conversion rate is known for similar leads';
  if (p < 0.005) return 'fewer than 1 in 100 similar leads converted';
  if (p < 0.05 || p >= 0.95) return `about ${Math.min(99, Math.round(p * 100))} in 100 similar leads converted`;
  return `about ${Math.round(p * 10)} in 10 similar leads converted`;
}

export type TagVariant = 'default' | 'warning' | 'success' | 'error' | 'info';

/** The tier's colour by its place in the tenant's order: the top tier stands out, the last is plain. */
export function tierVariant(tier: string, tiers: string[]): TagVariant {
  const i = tiers.findIndex((t) => t.toLowerCase() === tier.toLowerCase());
  if (i === 0) return 'success';
  if (i === -1 || i === tiers.length - 1) return 'default';
  return 'warning';
}

/** "Nov 25, 2026, 1:56 PM" in the portal's time zone. */
export function formatWhen(iso: string, timeZone: string | undefined): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) }).format(date);
  } catch {
    return date.toISOString();
  }
}

/** Change of the composite since the previous score, or null when there is no previous one. */
export function changeSincePrevious(history: Array<{ status: string; composite: number | null }>): number | null {
  const scored = history.filter((h) => h.status === 'scored' && h.composite !== null);
  if (scored.length < 2) return null;
  return Math.round(scored[0]!.composite! - scored[1]!.composite!);
}
