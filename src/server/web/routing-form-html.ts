import type { Issues } from './context.js';
import { checked, selected } from './forms.js';
import { html, raw, type Html } from './html.js';
import { CONDITION_FIELDS, OPERATORS, RULE_KINDS, type ConditionRow, type RoutingFormState, type RuleState } from './routing-form.js';

/**
 * The routing editor's markup: plain HTML controls that work without JavaScript (each list ends
 * with a blank row to add one; buttons add, remove and move rules), every control labelled, and
 * every schema message shown next to the control whose path it names.
 */

/** Hands out each message once: at the first control that claims its path, the rest at the end of their section. */
class IssueBoard {
  private shown = new Set<number>();
  constructor(private readonly issues: Issues) {}

  private render(picked: Array<[number, { field: string; message: string }]>, prefix: string | null): Html | '' {
    picked.forEach(([i]) => this.shown.add(i));
    if (!picked.length) return '';
    return html`<ul class="issues">${picked.map(([, issue]) => html`<li>${prefix !== null && issue.field !== prefix ? html`<code>${issue.field.slice(prefix.length).replace(/^\./, '')}</code>: ` : ''}${issue.message}</li>`)}</ul>`;
  }

  /** Messages for exactly these paths (and list items under them: "owners[1]"). */
  at(...fields: string[]): Html | '' {
    return this.render(
      this.issues.map((issue, i) => [i, issue] as [number, typeof issue]).filter(([i, issue]) => !this.shown.has(i) && fields.some((f) => issue.field === f || issue.field.startsWith(`${f}[`))),
      null,
    );
  }

  /** Whatever is left under a prefix, with the rest of its path named. */
  under(prefix: string): Html | '' {
    return this.render(
      this.issues.map((issue, i) => [i, issue] as [number, typeof issue]).filter(([i, issue]) => !this.shown.has(i) && (issue.field === prefix || issue.field.startsWith(`${prefix}.`) || issue.field.startsWith(`${prefix}[`))),
      prefix,
    );
  }

  has(prefix: string): boolean {
    return this.issues.some((issue) => issue.field === prefix || issue.field.startsWith(`${prefix}.`) || issue.field.startsWith(`${prefix}[`));
  }
}

const options = (choices: ReadonlyArray<{ value: string; label: string }>, current: string) => choices.map((c) => html`<option value="${c.value}"${selected(current, c.value)}>${c.label}</option>`);
const plain = (values: readonly string[]) => values.map((v) => ({ value: v, label: v }));
/** Marks a control whose messages are shown (an empty Html is no message). */
const invalid = (issues: Html | '') => (String(issues) ? raw(' aria-invalid="true"') : '');

function ownersSection(state: RoutingFormState, board: IssueBoard): Html {
  const rows = [...state.owners, { id: '', name: '', crmUserId: '', kind: 'user', away: false, capacity: '' }].map((o, i) => {
    const at = `routing.owners[${i}]`;
    const n = i + 1;
    const cells = [board.at(`${at}.id`), board.at(`${at}.name`), board.at(`${at}.crmUserId`), board.at(`${at}.kind`), board.at(`${at}.away`), board.at(`${at}.dailyCapacity`)];
    const rest = board.under(at);
    return html`<tr${i === state.owners.length ? html` class="blank"` : ''}>
<td><input name="owner.${i}.id" value="${o.id}" aria-label="Owner ${n} id"${invalid(cells[0]!)}>${cells[0]}${rest}</td>
<td><input name="owner.${i}.name" value="${o.name}" aria-label="Owner ${n} name"${invalid(cells[1]!)}>${cells[1]}</td>
<td><input name="owner.${i}.crmUserId" value="${o.crmUserId}" aria-label="Owner ${n} CRM user id"${invalid(cells[2]!)}>${cells[2]}</td>
<td><select name="owner.${i}.kind" aria-label="Owner ${n} kind">${options(plain(['user', 'queue']), o.kind)}</select>${cells[3]}</td>
<td><input type="checkbox" name="owner.${i}.away" aria-label="Owner ${n} away"${checked(o.away)}>${cells[4]}</td>
<td><input name="owner.${i}.capacity" value="${o.capacity}" inputmode="numeric" size="6" aria-label="Owner ${n} daily capacity"${invalid(cells[5]!)}>${cells[5]}</td></tr>`;
  });
  return html`<table class="data edit" id="owners"><caption>Owners: reps and queues. Away owners are skipped; an owner at their daily capacity is skipped until the next day. The last row adds one.</caption>
<thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">CRM user id</th><th scope="col">Kind</th><th scope="col">Away</th><th scope="col">Daily capacity</th></tr></thead><tbody>${rows}</tbody></table>${board.at('routing.owners')}
<datalist id="owner-ids">${state.owners.map((o) => html`<option value="${o.id}">${o.name}</option>`)}</datalist>`;
}

function teamsSection(state: RoutingFormState, board: IssueBoard): Html {
  const rows = [...state.teams, { id: '', name: '', members: '' }].map((t, i) => {
    const at = `routing.teams[${i}]`;
    const n = i + 1;
    const id = board.at(`${at}.id`);
    const name = board.at(`${at}.name`);
    const members = board.at(`${at}.members`);
    return html`<tr><td><input name="team.${i}.id" value="${t.id}" aria-label="Team ${n} id"${invalid(id)}>${id}</td><td><input name="team.${i}.name" value="${t.name}" aria-label="Team ${n} name"${invalid(name)}>${name}</td>
<td><input name="team.${i}.members" value="${t.members}" size="40" aria-label="Team ${n} members" placeholder="ana:60, ben:40"${invalid(members)}>${members}${board.under(at)}</td></tr>`;
  });
  return html`<table class="data edit" id="teams"><caption>Teams, for territory rules: members as owner ids separated by commas, each with ":weight" when the team shares by weight.</caption>
<thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Members</th></tr></thead><tbody>${rows}</tbody></table>${board.at('routing.teams')}
<datalist id="team-ids">${state.teams.map((t) => html`<option value="${t.id}">${t.name}</option>`)}</datalist>`;
}

function conditionRow(rule: number, i: number, c: ConditionRow, board: IssueBoard): Html {
  const at = `routing.rules[${rule}].when`;
  const path = c.field === 'attributes' ? `${at}.attributes.${c.attribute}` : `${at}.${c.field}`;
  const mine = c.field ? html`${board.at(`${path}.${c.op}`)}${board.at(path)}` : '';
  const label = `Rule ${rule + 1} condition ${i + 1}`;
  return html`<tr><td><select name="rule.${rule}.cond.${i}.field" aria-label="${label} field">${options(plain(CONDITION_FIELDS), c.field)}</select>
<input class="attr" name="rule.${rule}.cond.${i}.attribute" value="${c.attribute}" size="12" aria-label="${label} attribute name (for attributes)" placeholder="attribute"></td>
<td><select name="rule.${rule}.cond.${i}.op" aria-label="${label} operator">${options(OPERATORS, c.op)}</select></td>
<td><input name="rule.${rule}.cond.${i}.value" value="${c.value}" aria-label="${label} value" placeholder="Hot, or 80, or US, CA"${invalid(mine)}>${mine}</td></tr>`;
}

function ruleSection(r: RuleState, i: number, count: number, board: IssueBoard): Html {
  const at = `routing.rules[${i}]`;
  const n = i + 1;
  const a = `${at}.assign`;
  const name = board.at(`${at}.name`);
  const conditions = [...r.conditions, { field: 'tier', attribute: '', op: 'equals', value: '' }].map((c, j) => conditionRow(i, j, c, board));
  const whenRest = board.under(`${at}.when`);
  const single = board.at(`${a}.owner`);
  const ownerRows = [...r.owners, { owner: '', weight: '' }].map((o, j) => {
    const mine = html`${board.at(`${a}.owners[${j}].owner`)}${board.at(`${a}.owners[${j}].weight`)}${board.at(`${a}.owners[${j}]`)}`;
    return html`<tr><td><input name="rule.${i}.owner.${j}.owner" value="${o.owner}" list="owner-ids" aria-label="Rule ${n} owner ${j + 1}"${invalid(mine)}>${mine}</td>
<td class="weight"><input name="rule.${i}.owner.${j}.weight" value="${o.weight}" inputmode="decimal" size="6" aria-label="Rule ${n} owner ${j + 1} weight (%)"></td></tr>`;
  });
  const owners = board.at(`${a}.owners`);
  const territoryRows = [...r.territories, { values: '', team: '' }].map((t, j) => {
    const tp = `${a}.territories[${j}]`;
    const values = board.at(`${tp}.values`);
    const team = board.at(`${tp}.team`);
    return html`<tr><td><input name="rule.${i}.territory.${j}.values" value="${t.values}" size="30" aria-label="Rule ${n} territory ${j + 1} values" placeholder="US, CA"${invalid(values)}>${values}</td>
<td><input name="rule.${i}.territory.${j}.team" value="${t.team}" list="team-ids" aria-label="Rule ${n} territory ${j + 1} team"${invalid(team)}>${team}</td></tr>`;
  });
  const kindIssues = board.at(`${a}.type`);
  const fallback = board.at(`${at}.fallbackOwner`);
  const hidden = (kinds: string[]) => (kinds.includes(r.kind) ? '' : html` hidden`);
  const assignRest = board.under(a);
  const rest = board.under(at);
  return html`<fieldset class="rule${board.has(at) ? ' invalid' : ''}" data-rule="${i}" data-kind="${r.kind}"><legend>Rule ${n}: ${r.name || '(no name)'}</legend>
<div class="row"><label>Name <input name="rule.${i}.name" value="${r.name}" aria-label="Rule ${n} name"${invalid(name)}></label>
<label>Assign by <select name="rule.${i}.kind" aria-label="Rule ${n} assign by" data-kind-select>${options(RULE_KINDS, r.kind)}</select></label>
<label>Fallback owner <input name="rule.${i}.fallbackOwner" value="${r.fallbackOwner}" list="owner-ids" aria-label="Rule ${n} fallback owner" placeholder="the roster's"${invalid(fallback)}></label>
<label class="inline-check"><input type="checkbox" name="rule.${i}.followUpTask" aria-label="Rule ${n} follow-up task"${checked(r.followUpTask)}> follow-up task</label></div>
${name}${kindIssues}${fallback}
<table class="data edit conditions"><caption>When (all must hold; leave the value empty to drop a condition; lists are separated by commas)</caption><thead><tr><th scope="col">Field</th><th scope="col">Operator</th><th scope="col">Value</th></tr></thead><tbody>${conditions}</tbody></table>${whenRest}
<div class="assign" data-for="owner"${hidden(['owner'])}><label>Owner <input name="rule.${i}.owner" value="${r.owner}" list="owner-ids" aria-label="Rule ${n} owner"${invalid(single)}></label>${single}</div>
<div class="assign" data-for="round_robin weighted"${hidden(['round_robin', 'weighted'])}><table class="data edit owners"><caption>Owners in turn order; weights in percent add up to 100 (weighted only)</caption><thead><tr><th scope="col">Owner</th><th scope="col" class="weight">Weight %</th></tr></thead><tbody>${ownerRows}</tbody></table>${owners}</div>
<div class="assign" data-for="round_robin territory"${hidden(['round_robin', 'territory'])}><label>A returning rep <select name="rule.${i}.returning" aria-label="Rule ${n} returning rep">${options(
    [
      { value: 'rejoin', label: 'rejoins the rotation' },
      { value: 'catch_up', label: 'catches up on missed turns' },
    ],
    r.returning,
  )}</select></label></div>
<div class="assign" data-for="territory"${hidden(['territory'])}><div class="row"><label>Territory by <select name="rule.${i}.by" aria-label="Rule ${n} territory by">${options(plain(['country', 'state', 'region']), r.by)}</select></label>
<label>Within a team <select name="rule.${i}.within" aria-label="Rule ${n} within a team">${options(
    [
      { value: 'round_robin', label: 'round robin' },
      { value: 'weighted', label: "by members' weights" },
    ],
    r.within,
  )}</select></label></div>
<table class="data edit territories"><caption>Territories: values and the team that takes them</caption><thead><tr><th scope="col">Values</th><th scope="col">Team</th></tr></thead><tbody>${territoryRows}</tbody></table></div>
${assignRest}${rest}
<div class="actions"><button type="submit" name="action" value="up:${i}" class="secondary"${i === 0 ? ' disabled' : ''}>Move rule ${n} up</button><button type="submit" name="action" value="down:${i}" class="secondary"${i === count - 1 ? ' disabled' : ''}>Move rule ${n} down</button>
<button type="submit" name="action" value="remove:${i}" class="secondary">Remove rule ${n}</button></div></fieldset>`;
}

/** The editor's sections: roster (score, fallback, owners, teams) and the ordered rules. */
export function routingFormHtml(state: RoutingFormState, issues: Issues | null): { roster: Html; rules: Html; leftover: Html | '' } {
  const board = new IssueBoard(issues ?? []);
  const score = board.at('routing.score');
  const fallback = board.at('routing.fallbackOwner');
  const roster = html`<div class="row"><label>Route by score <select name="score">${options(plain(['composite', 'fit', 'engagement']), state.score)}</select></label>
<label>Fallback owner <input name="fallback_owner" value="${state.fallbackOwner}" list="owner-ids" placeholder="owner id"${invalid(fallback)}></label></div>${score}${fallback}
${ownersSection(state, board)}
${teamsSection(state, board)}`;
  const rules = html`${state.rules.length ? '' : html`<p class="muted">No rules: leads keep the owner the CRM gave them.</p>`}${state.rules.map((r, i) => ruleSection(r, i, state.rules.length, board))}${board.at('routing.rules')}`;
  return { roster, rules, leftover: board.under('routing') };
}
