import type { FollowUpTask, Lead, Score } from '../domain/index.js';
import type { RoutingOwner, RoutingRule, Settings } from '../settings/index.js';
import { serviceLevelDue } from './time.js';

function leadName(lead: Lead): string {
  const person = [lead.firstName, lead.lastName].filter(Boolean).join(' ') || lead.email || lead.id;
  return lead.company ? `${person} (${lead.company})` : person;
}

/**
 * The follow-up task for a lead's new owner: the lead's tier's action ("Call within 1 hour") as
 * the subject, due when that service level runs out, with the score and its reasons to open with.
 * None for a rule that creates no tasks, or for a queue (a task needs a person).
 */
export function followUpTask(lead: Lead, score: Score | null, owner: RoutingOwner, rule: RoutingRule, settings: Settings, assignedAt: Date): FollowUpTask | null {
  if (!rule.followUpTask || owner.kind === 'queue') return null;
  const scored = score?.status === 'scored' ? score : null;
  const levels = settings.tiers.levels;
  const tierAt = scored ? levels.findIndex((l) => l.name.toLowerCase() === scored.tier.toLowerCase()) : -1;
  const action = tierAt >= 0 ? levels[tierAt]!.action : 'Follow up';
  const lines = scored
    ? [
        `Tier ${scored.tier}, score ${Math.round(scored.composite)}` +
          (scored.fit !== null ? `, fit ${Math.round(scored.fit)}` : '') +
          (scored.engagement !== null ? `, engagement ${Math.round(scored.engagement)}` : '') +
          (scored.grade ? `, grade ${scored.grade}` : '') +
          '.',
        ...scored.reasons.slice(0, 3).map((r) => `${r.direction === 'positive' ? '+' : '-'} ${r.text}`),
        ...(scored.nextAction ? [`Next: ${scored.nextAction}`] : []),
      ]
    : ['Not scored yet.'];
  return {
    leadId: lead.id,
    ownerId: owner.crmUserId,
    subject: `${action}: ${leadName(lead)}`.slice(0, 255),
    description: [...lines, `Routed by rule "${rule.name}".`].join('\n'),
    dueAt: tierAt >= 0 ? serviceLevelDue(action, assignedAt, settings.schedules.timezone) : null,
    priority: tierAt === 0 ? 'high' : 'normal',
    rule: rule.name,
  };
}
