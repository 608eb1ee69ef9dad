import { createHash } from 'node:crypto';
import type { TenantId } from '../domain/index.js';

export type AbArm = 'champion' | 'challenger';

/**
 * Where a lead falls in [0, 1): the first 32 bits of SHA-256 of tenant and lead id. The same lead
 * always lands in the same place, so it stays in its arm from one rescore to the next and across
 * processes, and a larger share only moves leads from the champion's arm into the challenger's.
 */
export function abPosition(tenant: TenantId, leadId: string): number {
  return createHash('sha256').update(`${tenant}\u0000${leadId}`).digest().readUInt32BE(0) / 2 ** 32;
}

/** The arm of a lead for a challenger share (0-0.5). */
export function abArm(tenant: TenantId, leadId: string, share: number): AbArm {
  return abPosition(tenant, leadId) < share ? 'challenger' : 'champion';
}
