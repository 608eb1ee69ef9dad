import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Secrets at rest (CRM tokens): AES-256-GCM with a key that never reaches the database. Each
 * value is `version (1 byte) | iv (12) | tag (16) | ciphertext`, so a tampered or foreign value
 * fails to open instead of decrypting to garbage.
 */
export interface Vault {
  seal(value: unknown): Buffer;
  open<T = unknown>(sealed: Buffer): T;
  /** An HMAC of `text` under a key derived from the vault key (signed OAuth state). */
  sign(text: string): string;
  verify(text: string, signature: string): boolean;
}

const VERSION = 1;

export function createVault(key: Buffer): Vault {
  if (key.length !== 32) throw new Error(`the encryption key must be 32 bytes (base64 of 32 random bytes), got ${key.length}`);
  const macKey = createHmac('sha256', key).update('leadscore signing key').digest();
  const sign = (text: string) => createHmac('sha256', macKey).update(text).digest('base64url');
  return {
    seal(value) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
    },
    open<T>(sealed: Buffer): T {
      if (sealed.length < 29 || sealed[0] !== VERSION) throw new Error('the stored secret is not in a format this version can open');
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 13));
      decipher.setAuthTag(sealed.subarray(13, 29));
      try {
        return JSON.parse(Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]).toString('utf8')) as T;
      } catch {
        throw new Error('the stored secret cannot be opened with this encryption key (was LEADSCORE_ENCRYPTION_KEY changed?)');
      }
    },
    sign,
    verify(text, signature) {
      const expected = Buffer.from(sign(text));
      const given = Buffer.from(signature);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}

/**
 * The key from LEADSCORE_ENCRYPTION_KEY, or for the embedded default a key kept in the data
 * directory (created once, readable by the owner only), so a first start needs no setup.
 */
export function loadVault(configuredKey: string | null, dataDir: string): Vault {
  if (configuredKey) return createVault(Buffer.from(configuredKey, 'base64'));
  const file = path.join(dataDir, 'encryption.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  }
  return createVault(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64'));
}
