/** Calendar questions in a tenant's time zone. */

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The date at `at` in `timeZone`, as YYYY-MM-DD: a rep's daily capacity resets at their midnight, not UTC's. */
export function dayIn(at: Date, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (!format) dayFormats.set(timeZone, (format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  const part = (type: string) => format.formatToParts(at).find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

function isWeekend(at: Date, timeZone: string): boolean {
  const weekday = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short' }).format(at);
  return weekday === 'Sat' || weekday === 'Sun';
}

const MINUTES: Record<string, number> = { minute: 1, hour: 60, day: 1440, week: 10_080 };

/**
 * When a service level written as text ("Call within 1 hour", "within 2 business days") runs out,
 * counted from `from`; null when the text names no time. Business days skip Saturdays and Sundays
 * in the tenant's time zone.
 */
export function serviceLevelDue(action: string, from: Date, timeZone: string): Date | null {
  const m = /\bwithin\s+(\d+|an?|one)\s+(business\s+|working\s+)?(minute|hour|day|week)s?\b/i.exec(action);
  if (!m) return null;
  const count = /^\d+$/.test(m[1]!) ? Number(m[1]) : 1;
  const unit = m[3]!.toLowerCase();
  if (m[2] && unit === 'day') {
    let at = from;
    for (let left = count; left > 0; ) {
      at = new Date(at.getTime() + 86_400_000);
      if (!isWeekend(at, timeZone)) left--;
    }
    return at;
  }
  return new Date(from.getTime() + count * MINUTES[unit]! * 60_000);
}
