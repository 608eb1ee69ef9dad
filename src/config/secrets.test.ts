import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createVault, loadVault } from './secrets.js';

describe('vault', () => {
  it('seals values so that only the same key opens them, and a changed byte is refused', () => {
    const vault = createVault(randomBytes(32));
    const sealed = vault.seal({ accessToken: '00Dxx!secret', n: 1 });
    expect(sealed.toString('latin1')).not.toContain('secret');
    expect(vault.open(sealed)).toEqual({ accessToken: '00Dxx!secret', n: 1 });
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => vault.open(tampered)).toThrow(/cannot be opened/);
    expect(() => createVault(randomBytes(32)).open(sealed)).toThrow(/cannot be opened/);
    expect(() => createVault(randomBytes(16))).toThrow(/32 bytes/);
  });

  it('signs text, and keeps one key file in the data directory when no key is configured', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vault-'));
    const a = loadVault(null, dir);
    const b = loadVault(null, dir);
    expect(b.open(a.seal('x'))).toBe('x');
    expect((fs.statSync(path.join(dir, 'encryption.key')).mode & 0o777).toString(8)).toBe('600');
    const sig = a.sign('payload');
    expect(a.verify('payload', sig)).toBe(true);
    expect(a.verify('payload2', sig)).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
