import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

/** What a key may do: read stored scores, score leads through the API, or change settings and start jobs. */
export const API_SCOPES = ['scores:read', 'score', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export interface ApiKeyIdentity {
  tenant: TenantId;
  keyId: string;
  scopes: ApiScope[];
  label: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Keys look like `ls_<key id>_<secret>`: the id finds the row, the secret is checked against its hash. */
const KEY_FORMAT = /^ls_([a-z0-9]{12})_([A-Za-z0-9_-]{20,200})$/;

/**
 * Create a key for a tenant and return it whole: this is the only time the secret exists in clear.
 * `fixed` makes a given `ls_<id>_<secret>` the key (for a bootstrap key set in the environment).
 */
export async function createApiKey(
  db: Queryable,
  tenant: TenantId,
  scopes: readonly ApiScope[],
  label: string,
  fixed?: string,
): Promise<{ key: string; keyId: string }> {
  let key: string;
  if (fixed !== undefined) {
    if (!KEY_FORMAT.test(fixed)) throw new Error('an API key must look like ls_<12 lower-case letters or digits>_<at least 20 letters, digits, "-" or "_">');
    key = fixed;
  } else {
    key = `ls_${randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12)}_${randomBytes(24).toString('base64url')}`;
  }
  const [, keyId, secret] = KEY_FORMAT.exec(key)!;
  await db.query(
    `INSERT INTO api_keys (tenant_id, key_id, secret_sha256, scopes, label) VALUES ($1, $2, $3, $4::text[], $5)
     ON CONFLICT (tenant_id, key_id) DO UPDATE SET secret_sha256 = excluded.secret_sha256, scopes = excluded.scopes, revoked_at = NULL`,
    [tenant, keyId, sha256(secret!), `{${scopes.join(',')}}`, label],
  );
  return { key, keyId: keyId! };
}

/** The tenant and scopes of a presented key, or null for a malformed, unknown, wrong or revoked one. */
export async function authenticateApiKey(db: Queryable, presented: string): Promise<ApiKeyIdentity | null> {
  const match = KEY_FORMAT.exec(presented);
  if (!match) return null;
  const rows = await db.query<{ tenant_id: string; secret_sha256: string; scopes: string[] | string; label: string; revoked_at: Date | null }>(
    `SELECT tenant_id, secret_sha256, scopes, label, revoked_at FROM api_keys WHERE key_id = $1`,
    [match[1]],
  );
  const row = rows[0];
  if (!row || row.revoked_at) return null;
  const expected = Buffer.from(row.secret_sha256, 'hex');
  const actual = Buffer.from(sha256(match[2]!), 'hex');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  const scopes = Array.isArray(row.scopes) ? row.scopes : row.scopes.replace(/^\{|\}$/g, '').split(',').filter(Boolean);
  return { tenant: row.tenant_id as TenantId, keyId: match[1]!, scopes: scopes as ApiScope[], label: row.label };
}

export async function countApiKeys(db: Queryable, tenant: TenantId): Promise<number> {
  const rows = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM api_keys WHERE tenant_id = $1 AND revoked_at IS NULL`, [tenant]);
  return Number(rows[0]!.n);
}

export async function revokeApiKey(db: Queryable, tenant: TenantId, keyId: string): Promise<boolean> {
  const rows = await db.query(`UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND key_id = $2 AND revoked_at IS NULL RETURNING key_id`, [tenant, keyId]);
  return rows.length > 0;
}
