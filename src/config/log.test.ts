import { describe, expect, it } from 'vitest';
import { createLogger } from './log.js';

describe('createLogger', () => {
  it('writes JSON lines at or above its level and redacts secrets however deep', () => {
    const lines: string[] = [];
    const log = createLogger('info', (l) => lines.push(l));
    log.debug('hidden');
    log.info('connected', { portal: 42, auth: { accessToken: 'abc', refresh_token: 'def', nested: { password: 'x' } }, Authorization: 'Bearer z' });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({
      level: 'info',
      message: 'connected',
      portal: 42,
      auth: { accessToken: '[redacted]', refresh_token: '[redacted]', nested: { password: '[redacted]' } },
      Authorization: '[redacted]',
    });
    expect(lines[0]).not.toMatch(/abc|def|Bearer/);
  });

  it("adds a child's fields (and its children's) to every line, secrets redacted, and writes nothing below the level", () => {
    const lines: string[] = [];
    const log = createLogger('info', (l) => lines.push(l));
    const request = log.child({ requestId: 'r-1', token: 'hush' });
    request.debug('hidden');
    const tenant = request.child({ tenant: 'acme' });
    tenant.info('scored', { lead: 'L1' });
    request.warn('slow');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: 'info', message: 'scored', requestId: 'r-1', token: '[redacted]', tenant: 'acme', lead: 'L1' }),
      expect.objectContaining({ level: 'warn', message: 'slow', requestId: 'r-1', token: '[redacted]' }),
    ]);
    expect(JSON.parse(lines[1]!)).not.toHaveProperty('tenant');
    expect(lines.join('')).not.toContain('hush');
  });
});
