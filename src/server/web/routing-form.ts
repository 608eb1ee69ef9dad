import { CONDITION_NAMES, routingOf, type RoutingConditions, type RoutingRule, type Settings } from '../../settings/index.js';
import { list, text } from './forms.js';

/**
 * The routing editor's form as the person typed it (text kept as typed, so a wrong number is shown
 * back with its message), to and from the routing settings. Blank rows are dropped on reading, so
 * row i of a list is item i of the settings and a message's field path names its row.
 */

export const RULE_KINDS = [
  { value: 'owner', label: 'Single owner' },
  { value: 'round_robin', label: 'Round robin' },
  { value: 'weighted', label: 'Weighted' },
  { value: 'territory', label: 'Territory' },
] as const;
export type RuleKind = (typeof RULE_KINDS)[number]['value'];

export const OPERATORS = [
  { value: 'equals', label: 'is' },
  { value: 'in', label: 'is one of' },
  { value: 'min', label: 'is at least' },
  { value: 'max', label: 'is at most' },
] as const;
export type Operator = (typeof OPERATORS)[number]['value'];

/** Conditions on numbers take min/max; the others equals/in; custom attributes either. */
export const NUMERIC_CONDITIONS = new Set(['composite', 'fit', 'engagement', 'employees']);
export const CONDITION_FIELDS = CONDITION_NAMES;

export interface OwnerRow {
  id: string;
  name: string;
  crmUserId: string;
  kind: string;
  away: boolean;
  capacity: string;
}
export interface TeamRow {
  id: string;
  name: string;
  /** "ana:60, ben:40" (weights only for weighted territories). */
  members: string;
}
export interface ConditionRow {
  field: string;
  /** The attribute's name when field is "attributes". */
  attribute: string;
  op: string;
  value: string;
}
export interface RuleState {
  name: string;
  kind: string;
  conditions: ConditionRow[];
  owner: string;
  owners: Array<{ owner: string; weight: string }>;
  returning: string;
  by: string;
  within: string;
  territories: Array<{ values: string; team: string }>;
  fallbackOwner: string;
  followUpTask: boolean;
}
export interface RoutingFormState {
  score: string;
  fallbackOwner: string;
  owners: OwnerRow[];
  teams: TeamRow[];
  rules: RuleState[];
}

export const blankRule = (n: number): RuleState => ({
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

const joined = (values: readonly unknown[]) => values.map(String).join(', ');
const numberText = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));

function conditionRows(when: RoutingConditions): ConditionRow[] {
  const rows: ConditionRow[] = [];
  const matcher = (field: string, attribute: string, m: Record<string, unknown>) => {
    for (const op of ['equals', 'in', 'min', 'max'] as const) {
      const v = m[op];
      if (v !== undefined) rows.push({ field, attribute, op, value: Array.isArray(v) ? joined(v) : String(v) });
    }
  };
  for (const [field, m] of Object.entries(when)) {
    if (field === 'attributes') for (const [name, am] of Object.entries(m as Record<string, Record<string, unknown>>)) matcher('attributes', name, am);
    else if (m) matcher(field, '', m as Record<string, unknown>);
  }
  return rows;
}

function ruleState(rule: RoutingRule): RuleState {
  const state = { ...blankRule(0), name: rule.name, kind: rule.assign.type, conditions: conditionRows(rule.when), fallbackOwner: rule.fallbackOwner ?? '', followUpTask: rule.followUpTask };
  const a = rule.assign;
  if (a.type === 'owner') state.owner = a.owner;
  if (a.type === 'round_robin') Object.assign(state, { owners: a.owners.map((owner) => ({ owner, weight: '' })), returning: a.returning });
  if (a.type === 'weighted') state.owners = a.owners.map((o) => ({ owner: o.owner, weight: String(o.weight) }));
  if (a.type === 'territory') {
    Object.assign(state, { by: a.by, within: a.within.type, territories: a.territories.map((t) => ({ values: joined(t.values), team: t.team })) });
    if (a.within.type === 'round_robin') state.returning = a.within.returning;
  }
  return state;
}

export function formStateOf(settings: Settings): RoutingFormState {
  const r = routingOf(settings.routing);
  return {
    score: settings.routing.score,
    fallbackOwner: r.fallbackOwner ?? '',
    owners: r.owners.map((o) => ({ id: o.id, name: o.name, crmUserId: o.crmUserId, kind: o.kind, away: o.away, capacity: numberText(o.dailyCapacity) })),
    teams: r.teams.map((t) => ({ id: t.id, name: t.name, members: t.members.map((m) => (m.weight === undefined ? m.owner : `${m.owner}:${m.weight}`)).join(', ') })),
    rules: r.rules.map(ruleState),
  };
}

/** Posted fields named like "rule.2.cond.1.value", grouped into rows by their indices. */
function rows(body: Record<string, unknown>, prefix: string): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)\\.([a-zA-Z]+)$`);
  for (const key of Object.keys(body)) {
    const m = pattern.exec(key);
    if (!m) continue;
    const i = Number(m[1]);
    if (i > 1000) continue;
    (out[i] ??= {})[m[2]!] = text(body[key]);
  }
  return out.filter(Boolean);
}

const filled = (row: Record<string, string>, keys: string[]) => keys.some((k) => (row[k] ?? '') !== '');

/** The form state posted; blank rows dropped, `on` checkboxes read (an unticked box is not sent). */
export function formStateFromBody(body: Record<string, unknown>): RoutingFormState {
  const ruleIndices = [...new Set(Object.keys(body).flatMap((k) => /^rule\.(\d+)\.name$/.exec(k)?.[1] ?? []))].map(Number).sort((a, b) => a - b);
  return {
    score: text(body.score),
    fallbackOwner: text(body.fallback_owner),
    owners: rows(body, 'owner')
      .filter((r) => filled(r, ['id', 'name', 'crmUserId', 'capacity']))
      .map((r) => ({ id: r.id ?? '', name: r.name ?? '', crmUserId: r.crmUserId ?? '', kind: r.kind || 'user', away: r.away === 'on', capacity: r.capacity ?? '' })),
    teams: rows(body, 'team')
      .filter((r) => filled(r, ['id', 'name', 'members']))
      .map((r) => ({ id: r.id ?? '', name: r.name ?? '', members: r.members ?? '' })),
    rules: ruleIndices.map((i) => {
      const p = `rule.${i}`;
      const field = (name: string) => text(body[`${p}.${name}`]);
      return {
        name: field('name'),
        kind: field('kind'),
        conditions: rows(body, `${p}.cond`)
          .filter((r) => filled(r, ['value']))
          .map((r) => ({ field: r.field ?? '', attribute: r.attribute ?? '', op: r.op ?? 'equals', value: r.value ?? '' })),
        owner: field('owner'),
        owners: rows(body, `${p}.owner`)
          .filter((r) => filled(r, ['owner', 'weight']))
          .map((r) => ({ owner: r.owner ?? '', weight: r.weight ?? '' })),
        returning: field('returning') || 'rejoin',
        by: field('by') || 'country',
        within: field('within') || 'round_robin',
        territories: rows(body, `${p}.territory`)
          .filter((r) => filled(r, ['values', 'team']))
          .map((r) => ({ values: r.values ?? '', team: r.team ?? '' })),
        fallbackOwner: field('fallbackOwner'),
        followUpTask: list(body[`${p}.followUpTask`]).includes('on'),
      };
    }),
  };
}

/** A typed number as a number; anything else as typed, so the schema names the field. */
const numberOrText = (v: string): number | string => (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);
const items = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function conditionsOf(rows: ConditionRow[]): Record<string, unknown> {
  const when: Record<string, Record<string, unknown>> = {};
  const attributes: Record<string, Record<string, unknown>> = {};
  for (const row of rows) {
    const target = row.field === 'attributes' ? (attributes[row.attribute] ??= {}) : (when[row.field] ??= {});
    const numeric = row.op === 'min' || row.op === 'max';
    target[row.op] = row.op === 'in' ? items(row.value) : numeric ? numberOrText(row.value) : row.value;
  }
  return Object.keys(attributes).length ? { ...when, attributes } : when;
}

function assignOf(r: RuleState): Record<string, unknown> {
  switch (r.kind) {
    case 'owner':
      return { type: 'owner', owner: r.owner };
    case 'round_robin':
      return { type: 'round_robin', owners: r.owners.map((o) => o.owner), returning: r.returning };
    case 'weighted':
      return { type: 'weighted', owners: r.owners.map((o) => ({ owner: o.owner, weight: numberOrText(o.weight) })) };
    case 'territory':
      return {
        type: 'territory',
        by: r.by,
        territories: r.territories.map((t) => ({ values: items(t.values), team: t.team })),
        within: r.within === 'weighted' ? { type: 'weighted' } : { type: 'round_robin', returning: r.returning },
      };
    default:
      return { type: r.kind };
  }
}

/** The routing settings the form describes, for the same schema the API checks with. */
export function routingOfForm(state: RoutingFormState): Record<string, unknown> {
  return {
    score: state.score,
    fallbackOwner: state.fallbackOwner || null,
    owners: state.owners.map((o) => ({ id: o.id, name: o.name, crmUserId: o.crmUserId, kind: o.kind, away: o.away, dailyCapacity: o.capacity === '' ? null : numberOrText(o.capacity) })),
    teams: state.teams.map((t) => ({
      id: t.id,
      name: t.name,
      members: items(t.members).map((m) => {
        const [owner, weight] = m.split(':').map((s) => s.trim());
        return weight === undefined ? { owner } : { owner, weight: numberOrText(weight) };
      }),
    })),
    rules: state.rules.map((r) => ({
      name: r.name,
      when: conditionsOf(r.conditions),
      assign: assignOf(r),
      ...(r.fallbackOwner ? { fallbackOwner: r.fallbackOwner } : {}),
      followUpTask: r.followUpTask,
    })),
  };
}

/** Add, remove or move a rule as the pressed button asks; null when the button was another. */
export function applyRuleAction(state: RoutingFormState, action: string): RoutingFormState | null {
  const rules = [...state.rules];
  if (action === 'add') rules.push(blankRule(rules.length + 1));
  else {
    const m = /^(remove|up|down):(\d+)$/.exec(action);
    if (!m) return null;
    const i = Number(m[2]);
    if (i >= rules.length) return state;
    if (m[1] === 'remove') rules.splice(i, 1);
    const j = m[1] === 'up' ? i - 1 : m[1] === 'down' ? i + 1 : -1;
    if (j >= 0 && j < rules.length) [rules[i], rules[j]] = [rules[j]!, rules[i]!];
  }
  return { ...state, rules };
}
