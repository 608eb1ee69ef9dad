import type { RoutingOwner, RoutingRule, RoutingRules } from '../settings/index.js';
import type { LeadFacts } from './facts.js';
import { findRule, type RuleMatch } from './match.js';
import { nextRoundRobin, nextWeighted, type Availability, type Pick, type RotationState, type Unavailable } from './rotation.js';

/**
 * One routing decision, the same for live assignment and for simulation: only where rotation
 * states and daily counts live differs (Postgres rows under lock, or maps in memory).
 */
export interface RoutingBackend {
  /** The rotation's state; a live backend holds its lock until the decision is stored. */
  rotation(key: string): Promise<RotationState>;
  saveRotation(key: string, state: RotationState): Promise<void>;
  /** Leads each owner got today. */
  countsToday(ownerIds: readonly string[]): Promise<Map<string, number>>;
  /** Count one more lead for the owner today unless that passes `capacity`; false when full. */
  claim(ownerId: string, capacity: number | null): Promise<boolean>;
  /** The CRM users among these found deactivated in the CRM. */
  inactive(crmUserIds: readonly string[]): Promise<Set<string>>;
}

export type Decision =
  | { outcome: 'no_rule' }
  | { outcome: 'assigned'; rule: RoutingRule; owner: RoutingOwner; reason: null }
  /** Placed with the fallback owner; `reason` says why the strategy could not place it. */
  | { outcome: 'fallback'; rule: RoutingRule; owner: RoutingOwner; reason: string }
  /** Not even the fallback owner could take it (deactivated in the CRM). */
  | { outcome: 'unassigned'; rule: RoutingRule; owner: null; reason: string };

/** Who a rule hands leads to, and the rotation that keeps their turns. */
interface Plan {
  owners: string[];
  /** Null for a named owner, who needs no turns. */
  rotation: { key: string; pick: (state: RotationState, availability: (owner: string) => Availability) => Pick } | null;
  /** Who or what could not take a lead, in reasons: "ana", "the round robin", "team emea (country DE)". */
  label: string;
}

/** Where a rule's turns are kept: one rotation per rule, and per team for territory rules. Renaming a rule starts its turns afresh. */
export function rotationKey(rule: RoutingRule, teamId?: string): string {
  return teamId === undefined ? `rule:${rule.name}` : `rule:${rule.name}/team:${teamId}`;
}

function planFor(match: RuleMatch): Plan {
  const { rule, territory } = match;
  const a = rule.assign;
  const key = rotationKey(rule);
  if (a.type === 'owner') return { owners: [a.owner], rotation: null, label: a.owner };
  if (a.type === 'round_robin') return { owners: a.owners, rotation: { key, pick: (s, av) => nextRoundRobin(a.owners, s, av, a.returning) }, label: 'the round robin' };
  if (a.type === 'weighted') return { owners: a.owners.map((o) => o.owner), rotation: { key, pick: (s, av) => nextWeighted(a.owners, s, av) }, label: 'the weighted rotation' };
  const team = territory!.team;
  const members = team.members.map((m) => m.owner);
  const within = a.within;
  const pick =
    within.type === 'round_robin'
      ? (s: RotationState, av: (o: string) => Availability) => nextRoundRobin(members, s, av, within.returning)
      : (s: RotationState, av: (o: string) => Availability) => nextWeighted(team.members.map((m) => ({ owner: m.owner, weight: m.weight ?? 0 })), s, av);
  // Each team keeps its own turns, so one territory's leads never move another's order.
  return { owners: members, rotation: { key: rotationKey(rule, team.id), pick }, label: `team ${team.id} (${a.by} ${territory!.value})` };
}

function whyNot(status: Unavailable, owner: RoutingOwner | undefined): string {
  if (status === 'full') return `at capacity of ${owner!.dailyCapacity} a day`;
  return { away: 'away', inactive: 'deactivated in the CRM', unknown: 'not in the roster' }[status];
}

export async function decide(routing: RoutingRules, facts: LeadFacts, backend: RoutingBackend): Promise<Decision> {
  const match = findRule(routing, facts);
  if (!match) return { outcome: 'no_rule' };
  const plan = planFor(match);
  const roster = new Map(routing.owners.map((o) => [o.id, o]));
  const known = plan.owners.map((id) => roster.get(id)).filter((o): o is RoutingOwner => o !== undefined);
  const inactive = await backend.inactive(known.map((o) => o.crmUserId));
  const counts = await backend.countsToday(known.map((o) => o.id));
  const status = new Map<string, Availability>();
  for (const id of plan.owners) {
    const o = roster.get(id);
    if (!o) status.set(id, 'unknown');
    else if (inactive.has(o.crmUserId)) status.set(id, 'inactive');
    else if (o.away && o.kind === 'user') status.set(id, 'away');
    else if (o.dailyCapacity !== null && (counts.get(id) ?? 0) >= o.dailyCapacity) status.set(id, 'full');
    else status.set(id, 'available');
  }
  const availability = (id: string) => status.get(id) ?? 'unknown';

  const stored = plan.rotation ? await backend.rotation(plan.rotation.key) : null;
  // Each pass either places the lead or marks one more owner full, so this ends.
  for (;;) {
    const pick: Pick = plan.rotation
      ? plan.rotation.pick(stored!, availability)
      : { owner: availability(plan.owners[0]!) === 'available' ? plan.owners[0]! : null, state: stored! };
    if (pick.owner === null) break;
    const o = roster.get(pick.owner)!;
    // Another worker may have filled the owner since the counts were read.
    if (await backend.claim(o.id, o.dailyCapacity)) {
      if (plan.rotation) await backend.saveRotation(plan.rotation.key, pick.state);
      return { outcome: 'assigned', rule: match.rule, owner: o, reason: null };
    }
    status.set(o.id, 'full');
  }

  const why = (id: string) => whyNot(availability(id) as Unavailable, roster.get(id));
  const reason = plan.rotation
    ? `no one in ${plan.label} could take the lead (${plan.owners.map((id) => `${id}: ${why(id)}`).join(', ')})`
    : `${plan.label} could not take the lead (${why(plan.owners[0]!)})`;
  return fallback(routing, match.rule, reason, backend);
}

async function fallback(routing: RoutingRules, rule: RoutingRule, reason: string, backend: RoutingBackend): Promise<Decision> {
  const id = rule.fallbackOwner ?? routing.fallbackOwner;
  const owner = id ? routing.owners.find((o) => o.id === id) : undefined;
  if (!owner) return { outcome: 'unassigned', rule, owner: null, reason: `${reason}; and there is no fallback owner` };
  // The fallback is the last resort: it takes leads whether away or full, but not when the CRM deactivated it.
  if ((await backend.inactive([owner.crmUserId])).has(owner.crmUserId)) {
    return { outcome: 'unassigned', rule, owner: null, reason: `${reason}; and the fallback owner ${owner.id} is deactivated in the CRM` };
  }
  await backend.claim(owner.id, null);
  return { outcome: 'fallback', rule, owner, reason: `${reason}; fallback owner ${owner.id}` };
}
