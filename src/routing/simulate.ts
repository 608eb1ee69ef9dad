import type { Lead, Score } from '../domain/index.js';
import { routingOf, type RoutingRules, type Settings } from '../settings/index.js';
import { decide, rotationKey, type RoutingBackend } from './engine.js';
import { leadFacts } from './facts.js';
import { emptyRotation, type RotationState } from './rotation.js';
import { dayIn } from './time.js';

export interface SimulationLead {
  lead: Lead;
  score: Score | null;
  /** When the lead arrived; its `createdAt` if left out. */
  at?: Date;
}

export interface OwnerTally {
  owner: string;
  name: string;
  leads: number;
  /** Leads in the top tier. */
  hotLeads: number;
  fallbackLeads: number;
}

/** How evenly counts fell: 0 coefficient of variation and a max/min ratio of 1 are perfectly even. */
export interface Spread {
  min: number;
  max: number;
  mean: number;
  /** Standard deviation over mean; null with no owners or no leads. */
  coefficientOfVariation: number | null;
  /** Null when someone got none. */
  maxMinRatio: number | null;
}

export interface RotationTally {
  rotation: string;
  members: Array<{ owner: string; leads: number; expectedShare: number; share: number }>;
  /** Spread of each member's leads over their expected share (weights): 0 is exactly as the weights say. */
  coefficientOfVariation: number | null;
}

export interface SimulationReport {
  leads: number;
  noRule: number;
  assigned: number;
  fallback: number;
  unassigned: number;
  hotTier: string;
  /** Owners the strategies name, in roster order, then any other owner who got leads (as fallback). */
  perOwner: OwnerTally[];
  /** Over the owners the strategies name. */
  spread: { leads: Spread; hotLeads: Spread };
  rotations: RotationTally[];
  perRule: Array<{ rule: string; leads: number; fallback: number; unassigned: number }>;
  /** Leads that went to the fallback owner or to no one, and why. */
  fellBack: Array<{ leadId: string; at: Date; rule: string; owner: string | null; reason: string }>;
}

/**
 * Replay leads in time order through draft settings, entirely in memory: rotations start fresh,
 * capacity counts per day in the tenant's time zone, and nothing persisted is read or changed.
 * Away flags are taken as they are in the draft for the whole period.
 */
export async function simulateRouting(
  settings: Settings,
  leads: readonly SimulationLead[],
  options: { inactiveCrmUserIds?: Iterable<string> } = {},
): Promise<SimulationReport> {
  const routing = routingOf(settings.routing);
  const inactive = new Set(options.inactiveCrmUserIds ?? []);
  const rotations = new Map<string, RotationState>();
  const counts = new Map<string, number>();
  const ordered = [...leads].map((l) => ({ ...l, at: l.at ?? l.lead.createdAt })).sort((a, b) => a.at.getTime() - b.at.getTime());
  const hotTier = settings.tiers.levels[0]!.name;
  const tally = new Map(routing.owners.map((o) => [o.id, { owner: o.id, name: o.name, leads: 0, hotLeads: 0, fallbackLeads: 0 }]));
  const byRotation = new Map<string, Map<string, number>>();
  const perRule = new Map(routing.rules.map((r) => [r.name, { rule: r.name, leads: 0, fallback: 0, unassigned: 0 }]));
  const totals = { noRule: 0, assigned: 0, fallback: 0, unassigned: 0 };
  const fellBack: SimulationReport['fellBack'] = [];

  for (const { lead, score, at } of ordered) {
    const day = dayIn(at, settings.schedules.timezone);
    let rotationUsed: string | null = null;
    const backend: RoutingBackend = {
      rotation: async (key) => rotations.get(key) ?? emptyRotation(),
      saveRotation: async (key, state) => {
        rotations.set(key, state);
        rotationUsed = key;
      },
      countsToday: async (ids) => new Map(ids.map((id) => [id, counts.get(`${id}|${day}`) ?? 0])),
      claim: async (id, capacity) => {
        const n = counts.get(`${id}|${day}`) ?? 0;
        if (capacity !== null && n >= capacity) return false;
        counts.set(`${id}|${day}`, n + 1);
        return true;
      },
      inactive: async (ids) => new Set(ids.filter((id) => inactive.has(id))),
    };
    const decision = await decide(routing, leadFacts(lead, score), backend);
    if (decision.outcome === 'no_rule') {
      totals.noRule++;
      continue;
    }
    totals[decision.outcome]++;
    const rule = perRule.get(decision.rule.name)!;
    if (decision.outcome !== 'assigned') {
      rule[decision.outcome]++;
      fellBack.push({ leadId: lead.id, at, rule: decision.rule.name, owner: decision.owner?.id ?? null, reason: decision.reason });
    }
    if (!decision.owner) continue;
    rule.leads++;
    const t = tally.get(decision.owner.id)!;
    t.leads++;
    if (score?.status === 'scored' && score.tier.toLowerCase() === hotTier.toLowerCase()) t.hotLeads++;
    if (decision.outcome === 'fallback') t.fallbackLeads++;
    if (rotationUsed) {
      const members = byRotation.get(rotationUsed) ?? new Map<string, number>();
      members.set(decision.owner.id, (members.get(decision.owner.id) ?? 0) + 1);
      byRotation.set(rotationUsed, members);
    }
  }

  const named = namedOwners(routing);
  const inPlay = routing.owners.filter((o) => named.has(o.id)).map((o) => tally.get(o.id)!);
  return {
    leads: ordered.length,
    ...totals,
    hotTier,
    perOwner: [...inPlay, ...[...tally.values()].filter((t) => !named.has(t.owner) && t.leads > 0)],
    spread: { leads: spreadOf(inPlay.map((t) => t.leads)), hotLeads: spreadOf(inPlay.map((t) => t.hotLeads)) },
    rotations: rotationTallies(routing, byRotation),
    perRule: [...perRule.values()],
    fellBack,
  };
}

/** Owners some strategy hands leads to (the fallback owner only if a strategy names them too). */
function namedOwners(routing: RoutingRules): Set<string> {
  const teams = new Map(routing.teams.map((t) => [t.id, t]));
  return new Set(
    routing.rules.flatMap(({ assign: a }) => {
      if (a.type === 'owner') return [a.owner];
      if (a.type === 'round_robin') return a.owners;
      if (a.type === 'weighted') return a.owners.map((o) => o.owner);
      return a.territories.flatMap((t) => teams.get(t.team)?.members.map((m) => m.owner) ?? []);
    }),
  );
}

/** Each rotation that placed leads: members with their expected and actual shares. */
function rotationTallies(routing: RoutingRules, byRotation: Map<string, Map<string, number>>): RotationTally[] {
  const expected = new Map<string, Array<{ owner: string; share: number }>>();
  for (const rule of routing.rules) {
    const a = rule.assign;
    if (a.type === 'round_robin') expected.set(rotationKey(rule), a.owners.map((owner) => ({ owner, share: 1 / a.owners.length })));
    if (a.type === 'weighted') expected.set(rotationKey(rule), a.owners.map((o) => ({ owner: o.owner, share: o.weight / 100 })));
    if (a.type !== 'territory') continue;
    for (const team of routing.teams.filter((t) => a.territories.some((x) => x.team === t.id))) {
      const weighted = a.within.type === 'weighted';
      expected.set(rotationKey(rule, team.id), team.members.map((m) => ({ owner: m.owner, share: weighted ? (m.weight ?? 0) / 100 : 1 / team.members.length })));
    }
  }
  return [...byRotation.entries()].map(([rotation, got]) => {
    const total = [...got.values()].reduce((a, b) => a + b, 0);
    const members = (expected.get(rotation) ?? []).map((m) => ({ owner: m.owner, leads: got.get(m.owner) ?? 0, expectedShare: m.share, share: total ? (got.get(m.owner) ?? 0) / total : 0 }));
    return { rotation, members, coefficientOfVariation: spreadOf(members.map((m) => m.leads / m.expectedShare)).coefficientOfVariation };
  });
}

export function spreadOf(values: readonly number[]): Spread {
  if (values.length === 0) return { min: 0, max: 0, mean: 0, coefficientOfVariation: null, maxMinRatio: null };
  const min = Math.min(...values);
  const max = Math.max(...values);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
  return { min, max, mean, coefficientOfVariation: mean > 0 ? sd / mean : null, maxMinRatio: min > 0 ? max / min : null };
}
