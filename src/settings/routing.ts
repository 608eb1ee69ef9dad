import { z } from 'zod';

/**
 * Routing rules as RevOps saves them: a roster of owners (reps and queues), teams, and an ordered
 * list of rules; the first rule whose conditions a lead meets assigns it. Everything a rule names
 * is checked on save, so a typo is refused with its field path instead of routing to nobody.
 */

/** Regions a rule can name, as ISO country codes. */
export const REGIONS = {
  NA: ['US', 'CA'],
  LATAM: ['MX', 'BR', 'AR', 'CL', 'CO', 'PE', 'UY', 'CR', 'PA', 'EC'],
  EMEA: ['GB', 'IE', 'DE', 'FR', 'NL', 'BE', 'LU', 'ES', 'PT', 'IT', 'CH', 'AT', 'SE', 'NO', 'DK', 'FI', 'PL', 'CZ', 'IL', 'AE', 'SA', 'ZA', 'TR'],
  APAC: ['AU', 'NZ', 'IN', 'SG', 'JP', 'KR', 'CN', 'HK', 'TW', 'MY', 'ID', 'PH', 'TH', 'VN'],
} as const satisfies Record<string, readonly string[]>;
export type Region = keyof typeof REGIONS;
const REGION_NAMES = Object.keys(REGIONS) as [Region, ...Region[]];

export const CONDITION_NAMES = ['tier', 'grade', 'composite', 'fit', 'engagement', 'country', 'region', 'state', 'industry', 'employees', 'leadSource', 'attributes'] as const;

const id = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'is not an id (lower case letters, digits, "_", "-" or ".", up to 63)');
const text = z.string().trim().min(1).max(255);

/** Exactly one of `keys` present: a matcher is either an equality, a list or a range. */
function oneOf(keys: string[][], value: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const given = keys.filter((group) => group.some((k) => value[k] !== undefined));
  if (given.length !== 1) {
    ctx.addIssue({ code: 'custom', message: `give exactly one of ${keys.map((g) => g.join('/')).join(', ')}` });
  }
}

function checkRange(r: { min?: number | undefined; max?: number | undefined }, ctx: z.RefinementCtx): void {
  if (r.min !== undefined && r.max !== undefined && r.min > r.max) ctx.addIssue({ code: 'custom', path: ['max'], message: `${r.max} is below min ${r.min}` });
}

const textMatch = (value: z.ZodType<string> = text) =>
  z.strictObject({ equals: value.optional(), in: z.array(value).min(1).max(1000).optional() }).superRefine((m, ctx) => oneOf([['equals'], ['in']], m, ctx));

const range = (low: number, high: number, int = false) => {
  const n = int ? z.number().int().min(low).max(high) : z.number().min(low).max(high);
  return z
    .strictObject({ min: n.optional(), max: n.optional() })
    .superRefine((r, ctx) => {
      if (r.min === undefined && r.max === undefined) ctx.addIssue({ code: 'custom', message: 'give min, max or both' });
      checkRange(r, ctx);
    });
};

const AttributeMatchSchema = z
  .strictObject({ equals: text.optional(), in: z.array(text).min(1).max(1000).optional(), min: z.number().optional(), max: z.number().optional() })
  .superRefine((m, ctx) => {
    oneOf([['equals'], ['in'], ['min', 'max']], m, ctx);
    checkRange(m, ctx);
  });

const score = () => range(0, 100);

/** All conditions given must hold; a condition left out holds for every lead. */
const ConditionsSchema = z.strictObject(
  {
    tier: textMatch().optional(),
    /** "A1" exactly, or a letter ("A") for every engagement digit. */
    grade: textMatch(z.string().regex(/^[A-D][1-4]?$/, 'is not a grade (A1-D4, or a letter A-D for all its digits)')).optional(),
    composite: score().optional(),
    fit: score().optional(),
    engagement: score().optional(),
    /** ISO codes or names ("US", "United States"). */
    country: textMatch().optional(),
    region: textMatch(z.enum(REGION_NAMES, { error: () => `is not a region (${REGION_NAMES.join(', ')})` })).optional(),
    /** The lead's "state" attribute: codes or names ("CA", "California"). */
    state: textMatch().optional(),
    industry: textMatch().optional(),
    employees: range(0, 10_000_000, true).optional(),
    leadSource: textMatch().optional(),
    /** Custom attributes by their source name. */
    attributes: z.record(text, AttributeMatchSchema).optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown condition ${issue.keys.map((k) => `"${k}"`).join(', ')}; conditions are ${CONDITION_NAMES.join(', ')}` : undefined) },
);

/** What a returning rep gets: the turns they missed while away, or just their next place in the order. */
const returning = z.enum(['catch_up', 'rejoin']).default('rejoin');

const WeightedOwnerSchema = z.strictObject({ owner: id, weight: z.number().gt(0).max(100) });

const StrategySchema = z.discriminatedUnion('type', [
  /** One named user or queue. */
  z.strictObject({ type: z.literal('owner'), owner: id }),
  /** Turns in this fixed order. */
  z.strictObject({ type: z.literal('round_robin'), owners: z.array(id).min(1).max(500), returning }),
  /** Shares in percent, handed out in a fixed interleaved order (70/30: 7 of every 10). */
  z.strictObject({ type: z.literal('weighted'), owners: z.array(WeightedOwnerSchema).min(1).max(500) }),
  /** The lead's country, state or region picks a team; the team's members share its leads. */
  z.strictObject({
    type: z.literal('territory'),
    by: z.enum(['country', 'state', 'region']),
    territories: z.array(z.strictObject({ values: z.array(text).min(1).max(1000), team: id })).min(1).max(200),
    /** Weighted uses the weights of the team's members. */
    within: z.discriminatedUnion('type', [z.strictObject({ type: z.literal('round_robin'), returning }), z.strictObject({ type: z.literal('weighted') })]),
  }),
]);

const RuleSchema = z.strictObject({
  name: z.string().trim().min(1).max(80),
  when: ConditionsSchema.default({}),
  assign: StrategySchema,
  /** Who gets the lead when no one the strategy names can take it; routing.fallbackOwner if left out. */
  fallbackOwner: id.optional(),
  /** Create a follow-up task with the tier's service-level action. */
  followUpTask: z.boolean().default(true),
});

const OwnerSchema = z.strictObject({
  id,
  name: z.string().trim().min(1).max(120),
  /** The user (or queue) id in the CRM, written as the record's owner. */
  crmUserId: z.string().trim().min(1).max(255),
  kind: z.enum(['user', 'queue']).default('user'),
  /** Away reps are skipped by every strategy until they are back. */
  away: z.boolean().default(false),
  /** New leads a day at most, in the tenant's time zone; null for no limit. */
  dailyCapacity: z.number().int().min(1).max(100_000).nullable().default(null),
});

const TeamSchema = z.strictObject({
  id,
  name: z.string().trim().min(1).max(120),
  members: z.array(WeightedOwnerSchema.partial({ weight: true })).min(1, 'a team needs at least one member').max(500),
});

/**
 * The fields routing adds next to `routing.score`. Optional, so settings saved before routing
 * existed stay valid as they are; `routingOf` fills the gaps.
 */
export const routingShape = {
  owners: z.array(OwnerSchema).max(1000).optional(),
  teams: z.array(TeamSchema).max(200).optional(),
  rules: z.array(RuleSchema).max(200).optional(),
  /** Who gets a lead no strategy could place; every rule needs one, here or its own. */
  fallbackOwner: id.nullable().optional(),
};
type RoutingInput = z.infer<z.ZodObject<typeof routingShape>>;
/** Routing settings with nothing left out. */
export type RoutingRules = { [K in keyof RoutingInput]-?: Exclude<RoutingInput[K], undefined> };

export function routingOf(r: RoutingInput): RoutingRules {
  return { owners: r.owners ?? [], teams: r.teams ?? [], rules: r.rules ?? [], fallbackOwner: r.fallbackOwner ?? null };
}
export type RoutingRule = z.infer<typeof RuleSchema>;
export type RoutingStrategy = RoutingRule['assign'];
export type RoutingConditions = z.infer<typeof ConditionsSchema>;
export type AttributeMatch = z.infer<typeof AttributeMatchSchema>;
export type RoutingOwner = z.infer<typeof OwnerSchema>;
export type RoutingTeam = z.infer<typeof TeamSchema>;

type Path = Array<string | number>;

/** Names that must refer to something: owners, teams, rule names, weights and territories. */
export function checkRouting(input: RoutingInput, ctx: z.RefinementCtx): void {
  const r = routingOf(input);
  const issue = (path: Path, message: string) => ctx.addIssue({ code: 'custom', path, message });
  const owners = new Set<string>();
  r.owners.forEach((o, i) => {
    if (owners.has(o.id)) issue(['owners', i, 'id'], `"${o.id}" is already the id of another owner`);
    owners.add(o.id);
  });
  const teams = new Map<string, RoutingTeam>();
  r.teams.forEach((t, i) => {
    if (teams.has(t.id)) issue(['teams', i, 'id'], `"${t.id}" is already the id of another team`);
    teams.set(t.id, t);
    checkOwnerList(t.members.map((m) => m.owner), ['teams', i, 'members'], owners, issue);
  });
  const ownerRef = (owner: string, path: Path) => {
    if (!owners.has(owner)) issue(path, `"${owner}" is not an owner in routing.owners`);
  };
  if (r.fallbackOwner) ownerRef(r.fallbackOwner, ['fallbackOwner']);

  const names = new Map<string, number>();
  r.rules.forEach((rule, i) => {
    const at: Path = ['rules', i];
    const key = rule.name.toLowerCase();
    if (names.has(key)) issue([...at, 'name'], `"${rule.name}" is already the name of rule ${names.get(key)! + 1}`);
    names.set(key, i);
    if (rule.fallbackOwner) ownerRef(rule.fallbackOwner, [...at, 'fallbackOwner']);
    else if (!r.fallbackOwner) issue([...at, 'fallbackOwner'], 'no fallback owner: set one on the rule or routing.fallbackOwner');
    const a = rule.assign;
    if (a.type === 'owner') ownerRef(a.owner, [...at, 'assign', 'owner']);
    if (a.type === 'round_robin') checkOwnerList(a.owners, [...at, 'assign', 'owners'], owners, issue);
    if (a.type === 'weighted') {
      checkOwnerList(a.owners.map((o) => o.owner), [...at, 'assign', 'owners'], owners, issue);
      checkWeights(a.owners.map((o) => o.weight), [...at, 'assign', 'owners'], issue);
    }
    if (a.type === 'territory') checkTerritories(a, [...at, 'assign'], teams, r.teams, issue);
  });
}

function checkOwnerList(list: string[], path: Path, owners: Set<string>, issue: (path: Path, message: string) => void): void {
  const seen = new Set<string>();
  list.forEach((owner, j) => {
    if (!owners.has(owner)) issue([...path, j], `"${owner}" is not an owner in routing.owners`);
    if (seen.has(owner)) issue([...path, j], `"${owner}" is listed twice`);
    seen.add(owner);
  });
}

function checkWeights(weights: Array<number | undefined>, path: Path, issue: (path: Path, message: string) => void): void {
  if (weights.some((w) => w === undefined)) return issue(path, 'every member needs a weight for weighted distribution');
  const sum = weights.reduce<number>((s, w) => s + w!, 0);
  if (Math.abs(sum - 100) > 1e-6) issue(path, `weights add up to ${Math.round(sum * 1000) / 1000}, not 100`);
}

function checkTerritories(
  a: Extract<RoutingStrategy, { type: 'territory' }>,
  path: Path,
  teams: Map<string, RoutingTeam>,
  teamList: RoutingTeam[],
  issue: (path: Path, message: string) => void,
): void {
  const claimed = new Map<string, number>();
  a.territories.forEach((t, j) => {
    const team = teams.get(t.team);
    if (!team) issue([...path, 'territories', j, 'team'], `"${t.team}" is not a team in routing.teams`);
    else if (a.within.type === 'weighted') checkWeights(team.members.map((m) => m.weight), ['teams', teamList.indexOf(team), 'members'], issue);
    t.values.forEach((value, k) => {
      const key = value.toLowerCase();
      if (a.by === 'region' && !(value in REGIONS)) issue([...path, 'territories', j, 'values', k], `"${value}" is not a region (${REGION_NAMES.join(', ')})`);
      if (claimed.has(key)) issue([...path, 'territories', j, 'values', k], `"${value}" is already in territory ${claimed.get(key)! + 1}`);
      claimed.set(key, j);
    });
  });
}

/** Tier conditions must name tiers that exist (checked with the tiers, which live elsewhere in the settings). */
export function checkRoutingTiers(r: RoutingInput, tierNames: string[], ctx: z.RefinementCtx): void {
  const known = new Set(tierNames.map((n) => n.toLowerCase()));
  (r.rules ?? []).forEach((rule, i) => {
    const tier = rule.when.tier;
    const values = tier ? (tier.in ?? [tier.equals!]) : [];
    values.forEach((v, j) => {
      if (!known.has(v.toLowerCase())) {
        const path = ['routing', 'rules', i, 'when', 'tier', ...(tier!.in ? ['in', j] : ['equals'])];
        ctx.addIssue({ code: 'custom', path, message: `"${v}" is not a tier (${tierNames.join(', ')})` });
      }
    });
  });
}
