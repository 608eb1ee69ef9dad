import { createHash, randomBytes } from 'node:crypto';
import type { ConnectorKind, TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

/** What a person signed in to the web app may do: admins change settings, viewers only look. */
export const WEB_ROLES = ['admin', 'viewer'] as const;
export type WebRole = (typeof WEB_ROLES)[number];

export interface WebUser {
  tenant: TenantId;
  /** 'salesforce:<org>:<user>', 'hubspot:<hub>:<user>' or 'api-key:<key id>'. */
  userKey: string;
  displayName: string;
  email: string | null;
  role: WebRole;
  createdAt: Date;
  lastSignInAt: Date;
}

export interface WebSession {
  user: WebUser;
  csrfToken: string;
  expiresAt: Date;
}

interface UserRow {
  tenant_id: string;
  user_key: string;
  display_name: string;
  email: string | null;
  role: WebRole;
  created_at: Date;
  last_sign_in_at: Date;
}

const toUser = (r: UserRow): WebUser => ({
  tenant: r.tenant_id as TenantId,
  userKey: r.user_key,
  displayName: r.display_name,
  email: r.email,
  role: r.role,
  createdAt: r.created_at,
  lastSignInAt: r.last_sign_in_at,
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Record a sign-in. A person new to the tenant becomes admin when `firstIsAdmin` says so (they
 * connected the CRM, or nobody has signed in yet) and viewer otherwise; a known person keeps the
 * role an admin gave them.
 */
export async function upsertWebUser(
  db: Queryable,
  tenant: TenantId,
  user: { userKey: string; displayName: string; email: string | null; role: WebRole | 'first-is-admin' },
): Promise<WebUser> {
  const role =
    user.role === 'first-is-admin'
      ? Number((await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM web_users WHERE tenant_id = $1 AND role = 'admin'`, [tenant]))[0]!.n) === 0
        ? 'admin'
        : 'viewer'
      : user.role;
  const rows = await db.query<UserRow>(
    `INSERT INTO web_users (tenant_id, user_key, display_name, email, role) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, user_key) DO UPDATE SET display_name = excluded.display_name, email = excluded.email, last_sign_in_at = now()
     RETURNING *`,
    [tenant, user.userKey, user.displayName, user.email, role],
  );
  return toUser(rows[0]!);
}

export async function listWebUsers(db: Queryable, tenant: TenantId): Promise<WebUser[]> {
  const rows = await db.query<UserRow>(`SELECT * FROM web_users WHERE tenant_id = $1 ORDER BY created_at, user_key`, [tenant]);
  return rows.map(toUser);
}

/** Change a person's role; refuses to leave the tenant without an admin. Returns false for an unknown person. */
export async function setWebUserRole(db: Queryable, tenant: TenantId, userKey: string, role: WebRole): Promise<boolean> {
  if (role === 'viewer') {
    const others = await db.query(`SELECT 1 FROM web_users WHERE tenant_id = $1 AND role = 'admin' AND user_key <> $2 LIMIT 1`, [tenant, userKey]);
    if (others.length === 0) throw new Error('this is the only admin: make someone else admin first');
  }
  const rows = await db.query(`UPDATE web_users SET role = $3 WHERE tenant_id = $1 AND user_key = $2 RETURNING user_key`, [tenant, userKey, role]);
  return rows.length > 0;
}

/** Start a session; the returned token goes in the cookie and only its hash is stored. */
export async function createWebSession(db: Queryable, tenant: TenantId, userKey: string, lifetimeMs: number): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + lifetimeMs);
  await db.query(`DELETE FROM web_sessions WHERE expires_at < now()`);
  await db.query(`INSERT INTO web_sessions (token_sha256, tenant_id, user_key, csrf_token, expires_at) VALUES ($1, $2, $3, $4, $5)`, [
    sha256(token),
    tenant,
    userKey,
    csrfToken,
    expiresAt,
  ]);
  return { token, csrfToken, expiresAt };
}

/** The live session a cookie token belongs to, with its person's current role; null when unknown or expired. */
export async function findWebSession(db: Queryable, token: string): Promise<WebSession | null> {
  const rows = await db.query<UserRow & { csrf_token: string; expires_at: Date }>(
    `SELECT u.*, s.csrf_token, s.expires_at FROM web_sessions s JOIN web_users u USING (tenant_id, user_key)
     WHERE s.token_sha256 = $1 AND s.expires_at > now()`,
    [sha256(token)],
  );
  const row = rows[0];
  return row ? { user: toUser(row), csrfToken: row.csrf_token, expiresAt: row.expires_at } : null;
}

export async function deleteWebSession(db: Queryable, token: string): Promise<void> {
  await db.query(`DELETE FROM web_sessions WHERE token_sha256 = $1`, [sha256(token)]);
}

/**
 * Which tenant a CRM account (Salesforce org id, HubSpot hub id) is connected to. An account
 * connected to several tenants is ambiguous, so nobody is signed in through it.
 */
export async function tenantsForAccount(db: Queryable, kind: ConnectorKind, externalAccountId: string): Promise<TenantId[]> {
  const rows = await db.query<{ tenant_id: string }>(
    `SELECT DISTINCT tenant_id FROM connections WHERE kind = $1 AND external_account_id = $2 AND status <> 'disconnected' ORDER BY tenant_id`,
    [kind, externalAccountId],
  );
  return rows.map((r) => r.tenant_id as TenantId);
}
