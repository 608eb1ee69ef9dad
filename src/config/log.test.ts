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
});
