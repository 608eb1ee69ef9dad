/**
 * The routing settings as the page's form holds them, to and from the JSON the server takes (the
 * shape src/routing/README.md documents). Lists are kept in order, so row i of a list is item i of
 * the JSON and a message's field path ("settings.routing.rules[0].assign.owners[1]") names its row.
 * The server checks everything; this only moves values between the form and the JSON.
 */

export const RULE_KINDS = [
  { value: 'owner', label: 'Single owner' },
  { value: 'round_robin', label: 'Round robin' },
  { value: 'weighted', label: 'Weighted' },
  { value: 'territory', label: 'Territory' },
];
export const CONDITION_FIELDS = ['tier', 'grade', 'composite', 'fit', 'engagement', 'country', 'region', 'state', 'industry', 'employees', 'leadSource', 'attributes'];
export const OPERATORS = [
  { value: 'equals', label: 'is' },
  { value: 'in', label: 'is one of' },
  { value: 'min', label: 'is at least' },
  { value: 'max', label: 'is at most' },
];

export interface OwnerDraft {
  id: string;
  name: string;
  crmUserId: string;
  kind: string;
  away: boolean;
  dailyCapacity: number | undefined;
}
export interface TeamDraft {
  id: string;
  name: string;
  /** "ana:60, ben:40" (weights only for weighted territories). */
  members: string;
}
export interface ConditionDraft {
  field: string;
  attribute: string;
  op: string;
  value: string;
}
export interface RuleDraft {
  name: string;
  kind: string;
  conditions: ConditionDraft[];
  owner: string;
  owners: Array<{ owner: string; weight: number | undefined }>;
  returning: string;
  by: string;
  within: string;
  territories: Array<{ values: string; team: string }>;
  fallbackOwner: string;
  followUpTask: boolean;
}
export interface RoutingDraft {
  score: string;
  fallbackOwner: string;
  owners: OwnerDraft[];
  teams: TeamDraft[];
  rules: RuleDraft[];
}

export const newRule = (n: number): RuleDraft => ({
  name: `New rule ${n}`,
  kind: 'round_robin',
  conditions: [],
  owner: '',
  owners: [],
  returning: 'rejoin',
  by: 'country',
  within: 'round_robin',
  territories: [],
  fallbackOwner: '',
  followUpTask: true,
});
export const newOwner = (): OwnerDraft => ({ id: '', name: '', crmUserId: '', kind: 'user', away: false, dailyCapacity: undefined });
export const newCondition = (): ConditionDraft => ({ field: 'tier', attribute: '', op: 'equals', value: '' });

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const joined = (v: unknown) => arr(v).map(String).join(', ');
const items = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
/** A number typed as text (conditions); anything else as typed, so the server names the field. */
const numberOrText = (v: string): number | string => (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);

function conditionsOf(when: Json): ConditionDraft[] {
  const rows: ConditionDraft[] = [];
  const add = (field: string, attribute: string, m: Json) => {
    for (const op of ['equals', 'in', 'min', 'max']) if (m[op] !== undefined) rows.push({ field, attribute, op, value: Array.isArray(m[op]) ? joined(m[op]) : str(m[op]) });
  };
  for (const [field, m] of Object.entries(when)) {
    if (field === 'attributes') for (const [name, am] of Object.entries(obj(m))) add(field, name, obj(am));
    else add(field, '', obj(m));
  }
  return rows;
}

function ruleOf(v: unknown): RuleDraft {
  const r = obj(v);
  const a = obj(r.assign);
  const within = obj(a.within);
  const rule: RuleDraft = { ...newRule(0), name: str(r.name), kind: str(a.type), conditions: conditionsOf(obj(r.when)), fallbackOwner: str(r.fallbackOwner), followUpTask: r.followUpTask !== false };
  if (a.type === 'owner') rule.owner = str(a.owner);
  if (a.type === 'round_robin') rule.owners = arr(a.owners).map((o) => ({ owner: str(o), weight: undefined }));
  if (a.type === 'weighted') rule.owners = arr(a.owners).map((o) => ({ owner: str(obj(o).owner), weight: typeof obj(o).weight === 'number' ? (obj(o).weight as number) : undefined }));
  if (a.type === 'territory') {
    rule.by = str(a.by) || 'country';
    rule.within = str(within.type) || 'round_robin';
    rule.territories = arr(a.territories).map((t) => ({ values: joined(obj(t).values), team: str(obj(t).team) }));
  }
  rule.returning = str(a.returning ?? within.returning) || 'rejoin';
  return rule;
}

/** The routing the server sent (settings in force), as the form's draft. */
export function draftOf(routing: unknown): RoutingDraft {
  const r = obj(routing);
  return {
    score: str(r.score) || 'composite',
    fallbackOwner: str(r.fallbackOwner),
    owners: arr(r.owners).map((v) => {
      const o = obj(v);
      return { id: str(o.id), name: str(o.name), crmUserId: str(o.crmUserId), kind: str(o.kind) || 'user', away: o.away === true, dailyCapacity: typeof o.dailyCapacity === 'number' ? o.dailyCapacity : undefined };
    }),
    teams: arr(r.teams).map((v) => {
      const t = obj(v);
      return { id: str(t.id), name: str(t.name), members: arr(t.members).map((m) => (obj(m).weight === undefined ? str(obj(m).owner) : `${str(obj(m).owner)}:${str(obj(m).weight)}`)).join(', ') };
    }),
    rules: arr(r.rules).map(ruleOf),
  };
}

function whenOf(rows: ConditionDraft[]): Json {
  const when: Record<string, Json> = {};
  const attributes: Record<string, Json> = {};
  for (const c of rows.filter((row) => row.value.trim() !== '')) {
    const target = c.field === 'attributes' ? (attributes[c.attribute] ??= {}) : (when[c.field] ??= {});
    target[c.op] = c.op === 'in' ? items(c.value) : c.op === 'min' || c.op === 'max' ? numberOrText(c.value) : c.value.trim();
  }
  return Object.keys(attributes).length ? { ...when, attributes } : when;
}

function assignOf(r: RuleDraft): Json {
  if (r.kind === 'owner') return { type: 'owner', owner: r.owner };
  if (r.kind === 'round_robin') return { type: 'round_robin', owners: r.owners.map((o) => o.owner), returning: r.returning };
  if (r.kind === 'weighted') return { type: 'weighted', owners: r.owners.map((o) => ({ owner: o.owner, weight: o.weight })) };
  return {
    type: 'territory',
    by: r.by,
    territories: r.territories.map((t) => ({ values: items(t.values), team: t.team })),
    within: r.within === 'weighted' ? { type: 'weighted' } : { type: 'round_robin', returning: r.returning },
  };
}

/** The draft as the JSON the server checks, simulates and saves. */
export function routingOfDraft(d: RoutingDraft): Json {
  return {
    score: d.score,
    fallbackOwner: d.fallbackOwner || null,
    owners: d.owners.map((o) => ({ id: o.id, name: o.name, crmUserId: o.crmUserId, kind: o.kind, away: o.away, dailyCapacity: o.dailyCapacity ?? null })),
    teams: d.teams.map((t) => ({
      id: t.id,
      name: t.name,
      members: items(t.members).map((m) => {
        const [owner, weight] = m.split(':').map((s) => s.trim());
        return weight === undefined ? { owner } : { owner, weight: numberOrText(weight) };
      }),
    })),
    rules: d.rules.map((r) => ({ name: r.name, when: whenOf(r.conditions), assign: assignOf(r), ...(r.fallbackOwner ? { fallbackOwner: r.fallbackOwner } : {}), followUpTask: r.followUpTask })),
  };
}

/** Swap two items of a list (moving a rule up or down); out of range leaves it as it is. */
export function moved<T>(list: T[], from: number, to: number): T[] {
  if (to < 0 || to >= list.length) return list;
  const out = [...list];
  [out[from], out[to]] = [out[to]!, out[from]!];
  return out;
}
