import { describe, expect, it } from 'vitest';
import { ROSTER, withRouting } from '../../../test/helpers/routing.js';
import { checkSettings } from './context.js';
import { applyRuleAction, formStateFromBody, formStateOf, routingOfForm } from './routing-form.js';
import { routingFormHtml } from './routing-form-html.js';

/** Every kind of rule, every kind of condition, teams with and without weights. */
const RICH = withRouting({
  owners: [...ROSTER.slice(0, 4).map((o, i) => ({ ...o, dailyCapacity: i === 1 ? 40 : null, away: i === 3 })), ROSTER[4]],
  teams: [
    { id: 'west', name: 'West', members: [{ owner: 'ana', weight: 60 }, { owner: 'ben', weight: 40 }] },
    { id: 'east', name: 'East', members: [{ owner: 'cy', weight: 50 }, { owner: 'dee', weight: 50 }] },
  ],
  rules: [
    { name: 'Enterprise', when: { employees: { min: 1000 }, tier: { in: ['Hot', 'Warm'] }, attributes: { plan: { equals: 'Gold' }, seats: { min: 5, max: 50 } } }, assign: { type: 'owner', owner: 'ana' }, followUpTask: false },
    { name: 'Hot US', when: { tier: { equals: 'Hot' }, country: { in: ['US', 'CA'] }, composite: { min: 80 } }, assign: { type: 'round_robin', owners: ['ana', 'ben', 'cy'], returning: 'catch_up' } },
    { name: 'Split', when: { grade: { equals: 'A' } }, assign: { type: 'weighted', owners: [{ owner: 'ben', weight: 70 }, { owner: 'cy', weight: 30 }] }, fallbackOwner: 'dee' },
    { name: 'Regions', assign: { type: 'territory', by: 'region', territories: [{ values: ['NA'], team: 'west' }, { values: ['EMEA', 'APAC'], team: 'east' }], within: { type: 'weighted' } } },
  ],
});

/** The fields a browser posts for a form state: what routingFormHtml renders, read back as name=value pairs. */
function posted(html: string): Record<string, string | string[]> {
  const body: Record<string, string | string[]> = {};
  const add = (name: string, value: string) => {
    const had = body[name];
    body[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  };
  const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const m of html.matchAll(/<input ([^>]*)>/g)) {
    const name = /name="([^"]*)"/.exec(m[1]!)?.[1];
    if (!name) continue;
    if (/type="checkbox"/.test(m[1]!)) {
      if (/ checked/.test(m[1]!)) add(name, 'on');
    } else add(name, unescape(/value="([^"]*)"/.exec(m[1]!)?.[1] ?? ''));
  }
  for (const m of html.matchAll(/<select name="([^"]*)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const chosen = /<option value="([^"]*)" selected>/.exec(m[2]!) ?? /<option value="([^"]*)"/.exec(m[2]!);
    add(m[1]!, unescape(chosen![1]!));
  }
  return body;
}

const render = (state: ReturnType<typeof formStateOf>, issues: Parameters<typeof routingFormHtml>[1] = null) => {
  const { roster, rules, leftover } = routingFormHtml(state, issues);
  return `${roster.text}${rules.text}${leftover ? leftover.text : ''}`;
};

describe('the routing form', () => {
  it('gives back the same settings after a round trip through its controls, for every kind of rule and condition', () => {
    const state = formStateFromBody(posted(render(formStateOf(RICH))));
    const checked = checkSettings({ ...RICH, routing: routingOfForm(state) });
    expect(checked.issues).toBeNull();
    expect(checked.settings!.routing).toEqual(RICH.routing);
  });

  it('shows each schema message next to the control its path names, and keeps what was typed', () => {
    expect(render(formStateOf(RICH))).not.toContain('aria-invalid');
    // Type errors first (the schema checks references only once the shapes are right).
    const typed = formStateOf(RICH);
    typed.rules[0]!.conditions.find((c) => c.field === 'employees')!.value = 'many';
    typed.owners[1]!.capacity = '0';
    const shapes = checkSettings({ ...RICH, routing: routingOfForm(typed) }).issues!;
    expect(shapes.map((i) => i.field).sort()).toEqual(['routing.owners[1].dailyCapacity', 'routing.rules[0].when.employees.min']);
    const first = render(typed, shapes);
    // Each message follows its own input, before the next control.
    const after = (html: string, name: string) => html.slice(html.indexOf(`name="${name}"`)).split(/<(?:input|select) /)[0]!;
    const employees = typed.rules[0]!.conditions.findIndex((c) => c.field === 'employees');
    expect(after(first, `rule.0.cond.${employees}.value`)).toMatch(/expected number/);
    expect(after(first, 'owner.1.capacity')).toMatch(/>=1|at least 1|too small/i);
    expect(first).toContain('value="many"');

    const refs = formStateOf(RICH);
    refs.rules[1]!.owners[1]!.owner = 'zed';
    refs.rules[2]!.owners[0]!.weight = '60';
    const references = checkSettings({ ...RICH, routing: routingOfForm(refs) }).issues!;
    expect(references.map((i) => i.field).sort()).toEqual(['routing.rules[1].assign.owners[1]', 'routing.rules[2].assign.owners']);
    const second = render(refs, references);
    expect(after(second, 'rule.1.owner.1.owner')).toContain('&quot;zed&quot; is not an owner in routing.owners');
    expect(second.slice(second.indexOf('name="rule.2.owner.2.weight"'))).toMatch(/^[^]*?weights add up to 90, not 100/);
    expect(second).toMatch(/<fieldset class="rule invalid" data-rule="1"/);
    expect(second).toMatch(/<fieldset class="rule" data-rule="3"/);
    // Nothing is shown twice or left out.
    expect(second.match(/<li>/g)).toHaveLength(2);
  });

  it('reads only rows with something in them, so the blank row at the end of each list adds one', () => {
    const state = formStateFromBody({
      score: 'composite',
      'owner.0.id': 'ana', 'owner.0.name': 'Ana', 'owner.0.crmUserId': '005A', 'owner.0.kind': 'user',
      'owner.1.id': '', 'owner.1.name': '', 'owner.1.crmUserId': '', 'owner.1.kind': 'user',
      'rule.0.name': 'All', 'rule.0.kind': 'round_robin',
      'rule.0.cond.0.field': 'tier', 'rule.0.cond.0.op': 'equals', 'rule.0.cond.0.value': '',
      'rule.0.owner.0.owner': 'ana', 'rule.0.owner.1.owner': '',
    }); // prettier-ignore
    expect(state.owners).toHaveLength(1);
    expect(state.rules[0]).toMatchObject({ conditions: [], owners: [{ owner: 'ana', weight: '' }], followUpTask: false });
  });

  it('adds, removes and moves rules as the buttons ask', () => {
    const state = formStateOf(RICH);
    const names = (s: ReturnType<typeof formStateOf> | null) => s!.rules.map((r) => r.name);
    expect(names(applyRuleAction(state, 'up:2'))).toEqual(['Enterprise', 'Split', 'Hot US', 'Regions']);
    expect(names(applyRuleAction(state, 'down:3'))).toEqual(['Enterprise', 'Hot US', 'Split', 'Regions']);
    expect(names(applyRuleAction(state, 'remove:0'))).toEqual(['Hot US', 'Split', 'Regions']);
    expect(names(applyRuleAction(state, 'add'))).toEqual(['Enterprise', 'Hot US', 'Split', 'Regions', 'New rule 5']);
    expect(applyRuleAction(state, 'check')).toBeNull();
  });
});
