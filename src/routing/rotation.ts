/**
 * The two rotations as pure functions of a stored state: given who is available now, who gets
 * the next lead and what the state becomes. The caller persists the state (Postgres, or memory in a
 * simulation) and only when the pick is used, so a pick that could not be used changes nothing.
 */

/** Why an owner cannot take a lead now. */
export type Unavailable = 'away' | 'full' | 'inactive' | 'unknown';
export type Availability = 'available' | Unavailable;

export interface RotationState {
  /** The owner who got the last turn: the order goes on after them, wherever they now stand in it. */
  last: string | null;
  /** Turns missed while away, owed when back (round robin with catch-up). */
  owed: Record<string, number>;
  /** Smooth weighted round robin counters. */
  current: Record<string, number>;
}

export const emptyRotation = (): RotationState => ({ last: null, owed: {}, current: {} });

/** A stored state from an older shape or none at all, made whole. */
export function rotationState(stored: unknown): RotationState {
  const s = (stored ?? {}) as Partial<RotationState>;
  return { last: typeof s.last === 'string' ? s.last : null, owed: { ...(s.owed ?? {}) }, current: { ...(s.current ?? {}) } };
}

export interface Pick {
  owner: string | null;
  state: RotationState;
}

/** Keep only entries of owners still in the rotation, so a removed rep leaves no debt behind. */
function only(record: Record<string, number>, owners: readonly string[]): Record<string, number> {
  return Object.fromEntries(owners.filter((o) => record[o] !== undefined).map((o) => [o, record[o]!]));
}

/**
 * Round robin in a fixed order. Unavailable owners are passed over. With 'catch_up', an owner
 * passed over because they were away is owed that turn, and owed turns are served first (in the
 * fixed order) once they are back; with 'rejoin' they simply take their next place in the order.
 * Owners full for the day or inactive in the CRM are never owed turns.
 */
export function nextRoundRobin(order: readonly string[], stored: RotationState, availability: (owner: string) => Availability, returning: 'catch_up' | 'rejoin'): Pick {
  const owed = only(stored.owed, order);
  if (returning === 'catch_up') {
    const due = order.find((o) => (owed[o] ?? 0) > 0 && availability(o) === 'available');
    if (due) {
      // An owed turn does not move the order on: the others keep their places.
      const left = owed[due]! - 1;
      if (left > 0) owed[due] = left;
      else delete owed[due];
      return { owner: due, state: { ...stored, owed } };
    }
  }
  const lastAt = stored.last === null ? -1 : order.indexOf(stored.last);
  const missed: string[] = [];
  for (let step = 1; step <= order.length; step++) {
    const owner = order[(lastAt + step) % order.length]!;
    const status = availability(owner);
    if (status === 'available') {
      if (returning === 'catch_up') for (const m of missed) owed[m] = (owed[m] ?? 0) + 1;
      return { owner, state: { ...stored, last: owner, owed } };
    }
    if (status === 'away') missed.push(owner);
  }
  // No one could take it: no one's turn went by either.
  return { owner: null, state: stored };
}

/**
 * Smooth weighted round robin: each pick adds every available owner's weight to their counter,
 * takes the highest (the first in order on a tie) and takes the total back off the winner. 70/30
 * gives 7 of every 10 leads, interleaved, the same way every time. An unavailable owner's counter
 * stays where it was, so they rejoin without catching up.
 */
export function nextWeighted(members: ReadonlyArray<{ owner: string; weight: number }>, stored: RotationState, availability: (owner: string) => Availability): Pick {
  const available = members.filter((m) => availability(m.owner) === 'available');
  if (available.length === 0) return { owner: null, state: stored };
  const current = only(
    stored.current,
    members.map((m) => m.owner),
  );
  const total = available.reduce((sum, m) => sum + m.weight, 0);
  let best: string | null = null;
  for (const m of available) {
    current[m.owner] = (current[m.owner] ?? 0) + m.weight;
    if (best === null || current[m.owner]! > current[best]!) best = m.owner;
  }
  current[best!] = current[best!]! - total;
  return { owner: best, state: { ...stored, last: best, current } };
}
