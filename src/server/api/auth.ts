import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { authenticateApiKey, type ApiKeyIdentity, type ApiScope, type Database } from '../../store/index.js';
import { ApiError } from './errors.js';

/**
 * API keys: `Authorization: Bearer ls_...` (or `X-Api-Key`). The key decides the tenant; nothing
 * in a URL or body can reach another tenant's data. Lookups are cached for a minute so scoring
 * stays fast; a revoked key stops working within that minute.
 */
export function apiKeyAuth(db: Database): (scope: ApiScope) => RequestHandler {
  const cache = new Map<string, { identity: ApiKeyIdentity | null; until: number }>();
  const lookup = async (key: string): Promise<ApiKeyIdentity | null> => {
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return hit.identity;
    const identity = await authenticateApiKey(db, key);
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { identity, until: Date.now() + 60_000 });
    return identity;
  };
  return (scope) => async (req: Request, _res: Response, next: NextFunction) => {
    try {
      const header = req.get('authorization');
      const key = header?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? req.get('x-api-key');
      if (!key) throw new ApiError(401, 'UNAUTHENTICATED', 'send an API key: Authorization: Bearer <key>');
      const identity = await lookup(key);
      if (!identity) throw new ApiError(401, 'UNAUTHENTICATED', 'the API key is not valid (unknown, malformed or revoked)');
      // admin may do everything; scores:read and score are separate grants.
      if (!identity.scopes.includes(scope) && !identity.scopes.includes('admin')) {
        throw new ApiError(403, 'FORBIDDEN', `this API key lacks the "${scope}" scope (it has: ${identity.scopes.join(', ')})`);
      }
      req.auth = identity;
      req.log = req.log.child({ tenant: identity.tenant, keyId: identity.keyId });
      next();
    } catch (err) {
      next(err);
    }
  };
}
