import { Button, ButtonRow, Checkbox, Flex, Heading, Input, NumberInput, Select, Text, Tile } from '@hubspot/ui-extensions';
import { messageFor, type Issue } from './issues';
import { CONDITION_FIELDS, moved, newCondition, newOwner, newRule, OPERATORS, RULE_KINDS, type RoutingDraft, type RuleDraft } from './routing-draft';

type Update = (change: (d: RoutingDraft) => RoutingDraft) => void;

const plain = (values: string[]) => values.map((v) => ({ label: v, value: v }));
const replaced = <T,>(list: T[], i: number, item: T) => list.map((x, j) => (j === i ? item : x));
const without = <T,>(list: T[], i: number) => list.filter((_x, j) => j !== i);

/**
 * Routing as a form: the roster (owners with capacity, teams), then the rules in order, each with
 * its conditions and the way it assigns. Every message the server gives is shown on the input its
 * field path names ("settings.routing.rules[0].assign.owner").
 */
export function RoutingForm({ draft, update, issues }: { draft: RoutingDraft; update: Update; issues: Issue[] }) {
  /** The error props for one field under settings.routing (several paths: the first message wins). */
  const at = (...paths: string[]) => {
    const message = paths.map((p) => messageFor(issues, `settings.routing.${p}`)).find(Boolean);
    return { error: Boolean(message), validationMessage: message };
  };
  const ownerOptions = [{ label: '(none)', value: '' }, ...draft.owners.filter((o) => o.id).map((o) => ({ label: `${o.name || o.id} (${o.id})`, value: o.id }))];
  const teamOptions = draft.teams.filter((t) => t.id).map((t) => ({ label: `${t.name || t.id} (${t.id})`, value: t.id }));
  /** Changes read the rule as it is when applied, so two quick clicks both count. */
  const setRule = (i: number, change: Partial<RuleDraft> | ((rule: RuleDraft) => Partial<RuleDraft>)) =>
    update((d) => ({ ...d, rules: replaced(d.rules, i, { ...d.rules[i]!, ...(typeof change === 'function' ? change(d.rules[i]!) : change) }) }));

  return (
    <Flex direction="column" gap="sm">
      <Heading>Roster</Heading>
      <Flex direction="row" gap="sm" wrap="wrap">
        <Select label="Route by score" name="routing-score" value={draft.score} options={plain(['composite', 'fit', 'engagement'])} onChange={(v) => update((d) => ({ ...d, score: String(v) }))} {...at('score')} />
        <Select label="Fallback owner" name="routing-fallback" value={draft.fallbackOwner} options={ownerOptions} onChange={(v) => update((d) => ({ ...d, fallbackOwner: String(v) }))} {...at('fallbackOwner')} />
      </Flex>
      {draft.owners.map((o, i) => {
        const set = (change: Partial<typeof o>) => update((d) => ({ ...d, owners: replaced(d.owners, i, { ...d.owners[i]!, ...change }) }));
        return (
          <Flex key={`owner-${i}`} direction="row" gap="xs" wrap="wrap" align="end">
            <Input label={`Owner ${i + 1} id`} name={`owner-${i}-id`} value={o.id} onChange={(v) => set({ id: v })} {...at(`owners[${i}].id`, `owners[${i}]`)} />
            <Input label="Name" name={`owner-${i}-name`} value={o.name} onChange={(v) => set({ name: v })} {...at(`owners[${i}].name`)} />
            <Input label="HubSpot owner id" name={`owner-${i}-crm`} value={o.crmUserId} onChange={(v) => set({ crmUserId: v })} {...at(`owners[${i}].crmUserId`)} />
            <Select label="Kind" name={`owner-${i}-kind`} value={o.kind} options={plain(['user', 'queue'])} onChange={(v) => set({ kind: String(v) })} />
            <NumberInput label="Daily capacity" name={`owner-${i}-capacity`} min={1} value={o.dailyCapacity} onChange={(v) => set({ dailyCapacity: v })} {...at(`owners[${i}].dailyCapacity`)} />
            <Checkbox name={`owner-${i}-away`} checked={o.away} onChange={(checked) => set({ away: checked })}>
              Away
            </Checkbox>
            <Button variant="transparent" onClick={() => update((d) => ({ ...d, owners: without(d.owners, i) }))}>
              Remove owner {i + 1}
            </Button>
          </Flex>
        );
      })}
      <ButtonRow>
        <Button onClick={() => update((d) => ({ ...d, owners: [...d.owners, newOwner()] }))} testId="add-owner">
          Add an owner
        </Button>
        <Button onClick={() => update((d) => ({ ...d, teams: [...d.teams, { id: '', name: '', members: '' }] }))} testId="add-team">
          Add a team
        </Button>
      </ButtonRow>
      {draft.teams.map((t, i) => {
        const set = (change: Partial<typeof t>) => update((d) => ({ ...d, teams: replaced(d.teams, i, { ...d.teams[i]!, ...change }) }));
        return (
          <Flex key={`team-${i}`} direction="row" gap="xs" wrap="wrap" align="end">
            <Input label={`Team ${i + 1} id`} name={`team-${i}-id`} value={t.id} onChange={(v) => set({ id: v })} {...at(`teams[${i}].id`)} />
            <Input label="Name" name={`team-${i}-name`} value={t.name} onChange={(v) => set({ name: v })} {...at(`teams[${i}].name`)} />
            <Input label="Members (owner:weight, ...)" name={`team-${i}-members`} value={t.members} onChange={(v) => set({ members: v })} {...at(`teams[${i}].members`)} />
            <Button variant="transparent" onClick={() => update((d) => ({ ...d, teams: without(d.teams, i) }))}>
              Remove team {i + 1}
            </Button>
          </Flex>
        );
      })}

      <Heading>Rules, first match wins</Heading>
      {draft.rules.length === 0 && <Text>No rules: leads keep the owner HubSpot gave them.</Text>}
      {draft.rules.map((r, i) => {
        const p = `rules[${i}]`;
        const a = `${p}.assign`;
        return (
          <Tile key={`rule-${i}`} compact>
            <Flex direction="column" gap="xs">
              <Flex direction="row" gap="xs" wrap="wrap" align="end">
                <Input label={`Rule ${i + 1} name`} name={`rule-${i}-name`} value={r.name} onChange={(v) => setRule(i, { name: v })} {...at(`${p}.name`)} />
                <Select label="Assign by" name={`rule-${i}-kind`} value={r.kind} options={RULE_KINDS} onChange={(v) => setRule(i, { kind: String(v) })} {...at(`${a}.type`)} />
                <Select label="Fallback owner" name={`rule-${i}-fallback`} value={r.fallbackOwner} options={[{ label: "(the roster's)", value: '' }, ...ownerOptions.slice(1)]} onChange={(v) => setRule(i, { fallbackOwner: String(v) })} {...at(`${p}.fallbackOwner`)} />
                <Checkbox name={`rule-${i}-task`} checked={r.followUpTask} onChange={(checked) => setRule(i, { followUpTask: checked })}>
                  Follow-up task
                </Checkbox>
              </Flex>
              {r.conditions.map((c, j) => {
                const field = c.field === 'attributes' ? `${p}.when.attributes.${c.attribute}` : `${p}.when.${c.field}`;
                const set = (change: Partial<typeof c>) => setRule(i, (rule) => ({ conditions: replaced(rule.conditions, j, { ...rule.conditions[j]!, ...change }) }));
                return (
                  <Flex key={`cond-${j}`} direction="row" gap="xs" wrap="wrap" align="end">
                    <Select label={`Condition ${j + 1}`} name={`rule-${i}-cond-${j}-field`} value={c.field} options={plain(CONDITION_FIELDS)} onChange={(v) => set({ field: String(v) })} />
                    {c.field === 'attributes' && <Input label="Attribute" name={`rule-${i}-cond-${j}-attribute`} value={c.attribute} onChange={(v) => set({ attribute: v })} />}
                    <Select label="Operator" name={`rule-${i}-cond-${j}-op`} value={c.op} options={OPERATORS} onChange={(v) => set({ op: String(v) })} />
                    <Input label="Value" name={`rule-${i}-cond-${j}-value`} value={c.value} onChange={(v) => set({ value: v })} {...at(`${field}.${c.op}`, field)} />
                    <Button variant="transparent" onClick={() => setRule(i, (rule) => ({ conditions: without(rule.conditions, j) }))}>
                      Remove condition
                    </Button>
                  </Flex>
                );
              })}
              {messageFor(issues, `settings.routing.${p}.when`) && <Text variant="microcopy">{messageFor(issues, `settings.routing.${p}.when`)}</Text>}
              {r.kind === 'owner' && <Select label="Owner" name={`rule-${i}-owner`} value={r.owner} options={ownerOptions} onChange={(v) => setRule(i, { owner: String(v) })} {...at(`${a}.owner`)} />}
              {(r.kind === 'round_robin' || r.kind === 'weighted') &&
                r.owners.map((o, j) => (
                  <Flex key={`rule-owner-${j}`} direction="row" gap="xs" align="end">
                    <Select label={`Owner ${j + 1}`} name={`rule-${i}-owner-${j}`} value={o.owner} options={ownerOptions} onChange={(v) => setRule(i, (rule) => ({ owners: replaced(rule.owners, j, { ...rule.owners[j]!, owner: String(v) }) }))} {...at(`${a}.owners[${j}].owner`, `${a}.owners[${j}]`)} />
                    {r.kind === 'weighted' && (
                      <NumberInput label="Weight %" name={`rule-${i}-owner-${j}-weight`} min={0} max={100} value={o.weight} onChange={(v) => setRule(i, (rule) => ({ owners: replaced(rule.owners, j, { ...rule.owners[j]!, weight: v }) }))} {...at(`${a}.owners[${j}].weight`)} />
                    )}
                    <Button variant="transparent" onClick={() => setRule(i, (rule) => ({ owners: without(rule.owners, j) }))}>
                      Remove owner
                    </Button>
                  </Flex>
                ))}
              {(r.kind === 'round_robin' || r.kind === 'weighted') && messageFor(issues, `settings.routing.${a}.owners`) && (
                <Text variant="microcopy" testId={`rule-${i}-owners-message`}>
                  {messageFor(issues, `settings.routing.${a}.owners`)}
                </Text>
              )}
              {r.kind === 'territory' && (
                <Flex direction="row" gap="xs" wrap="wrap">
                  <Select label="Territory by" name={`rule-${i}-by`} value={r.by} options={plain(['country', 'state', 'region'])} onChange={(v) => setRule(i, { by: String(v) })} />
                  <Select label="Within a team" name={`rule-${i}-within`} value={r.within} options={[{ label: 'round robin', value: 'round_robin' }, { label: "by members' weights", value: 'weighted' }]} onChange={(v) => setRule(i, { within: String(v) })} />
                </Flex>
              )}
              {r.kind === 'territory' &&
                r.territories.map((t, j) => (
                  <Flex key={`territory-${j}`} direction="row" gap="xs" align="end">
                    <Input label={`Territory ${j + 1} values`} name={`rule-${i}-territory-${j}-values`} value={t.values} onChange={(v) => setRule(i, (rule) => ({ territories: replaced(rule.territories, j, { ...rule.territories[j]!, values: v }) }))} {...at(`${a}.territories[${j}].values`)} />
                    <Select label="Team" name={`rule-${i}-territory-${j}-team`} value={t.team} options={teamOptions} onChange={(v) => setRule(i, (rule) => ({ territories: replaced(rule.territories, j, { ...rule.territories[j]!, team: String(v) }) }))} {...at(`${a}.territories[${j}].team`)} />
                  </Flex>
                ))}
              {(r.kind === 'round_robin' || (r.kind === 'territory' && r.within === 'round_robin')) && (
                <Select label="A returning rep" name={`rule-${i}-returning`} value={r.returning} options={[{ label: 'rejoins the rotation', value: 'rejoin' }, { label: 'catches up on missed turns', value: 'catch_up' }]} onChange={(v) => setRule(i, { returning: String(v) })} />
              )}
              <ButtonRow>
                <Button onClick={() => setRule(i, (rule) => ({ conditions: [...rule.conditions, newCondition()] }))} testId={`rule-${i}-add-condition`}>
                  Add a condition
                </Button>
                {(r.kind === 'round_robin' || r.kind === 'weighted') && (
                  <Button onClick={() => setRule(i, (rule) => ({ owners: [...rule.owners, { owner: '', weight: undefined }] }))} testId={`rule-${i}-add-owner`}>
                    Add an owner
                  </Button>
                )}
                {r.kind === 'territory' && (
                  <Button onClick={() => setRule(i, (rule) => ({ territories: [...rule.territories, { values: '', team: '' }] }))} testId={`rule-${i}-add-territory`}>
                    Add a territory
                  </Button>
                )}
                <Button disabled={i === 0} onClick={() => update((d) => ({ ...d, rules: moved(d.rules, i, i - 1) }))} testId={`rule-${i}-up`}>
                  Move up
                </Button>
                <Button disabled={i === draft.rules.length - 1} onClick={() => update((d) => ({ ...d, rules: moved(d.rules, i, i + 1) }))} testId={`rule-${i}-down`}>
                  Move down
                </Button>
                <Button variant="destructive" onClick={() => update((d) => ({ ...d, rules: without(d.rules, i) }))} testId={`rule-${i}-remove`}>
                  Remove rule
                </Button>
              </ButtonRow>
            </Flex>
          </Tile>
        );
      })}
      <Button onClick={() => update((d) => ({ ...d, rules: [...d.rules, newRule(d.rules.length + 1)] }))} testId="add-rule">
        Add a rule
      </Button>
    </Flex>
  );
}
