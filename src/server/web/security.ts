import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { findWebSession, type Database, type WebSession } from '../../store/index.js';

export const SESSION_COOKIE = 'ls_session';
/** Sessions last a working day; signing in again is cheap. */
export const SESSION_LIFETIME_MS = 12 * 3600_000;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The signed-in person of a web app request (set by `loadSession`). */
      web?: WebSession & { token: string };
    }
  }
}

/**
 * Headers for every web app answer: scripts and styles only from this server (no inline script,
 * so an injected tag cannot run), no framing, no MIME sniffing, no referrer to other sites.
 */
export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
  next();
}

export function readCookie(req: Request, name: string): string | null {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** Secure when the request came over https (or the app is configured to say so behind a proxy). */
const isSecure = (req: Request, forceSecure: boolean) => forceSecure || req.secure;

export function setCookie(req: Request, res: Response, name: string, value: string, maxAgeMs: number, forceSecure: boolean, path = '/app'): void {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${path}`, `Max-Age=${Math.floor(maxAgeMs / 1000)}`, 'HttpOnly', 'SameSite=Lax'];
  if (isSecure(req, forceSecure)) parts.push('Secure');
  res.append('Set-Cookie', parts.join('; '));
}

export function clearCookie(req: Request, res: Response, name: string, forceSecure: boolean, path = '/app'): void {
  setCookie(req, res, name, '', 0, forceSecure, path);
}

/** Finds the session the cookie names, if any, for the handlers that follow. */
export function loadSession(db: Database): RequestHandler {
  return async (req, _res, next) => {
    try {
      const token = readCookie(req, SESSION_COOKIE);
      if (token) {
        const session = await findWebSession(db, token);
        if (session) {
          req.web = { ...session, token };
          req.log = req.log.child({ tenant: session.user.tenant, webUser: session.user.userKey });
        }
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** Pages need a signed-in person; a browser without one goes to the sign-in page. */
export function requireSignIn(req: Request, res: Response, next: NextFunction): void {
  if (req.web) return next();
  if (req.method === 'GET') {
    res.redirect(303, `/app/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
    return;
  }
  res.status(401).type('text/plain').send('Sign in first: your session has ended or was never started.');
}

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Every POST carries the session's synchronizer token, as the `_csrf` form field or the
 * X-CSRF-Token header (the preview script); without it the request is refused.
 */
export function checkCsrf(req: Request, res: Response, next: NextFunction): void {
  if (req.method !== 'POST') return next();
  const sent = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get('x-csrf-token');
  if (!req.web || typeof sent !== 'string' || !sameText(sent, req.web.csrfToken)) {
    res.status(403).type('text/plain').send('This form has expired or did not come from this app (missing or wrong CSRF token). Reload the page and try again.');
    return;
  }
  next();
}

/** Changes are for admins; the server refuses viewers whatever the page showed them. */
export function requireAdmin(req: Request, res: Response, next: NextFunction): void {
  if (req.web?.user.role === 'admin') return next();
  res.status(403).type('text/plain').send('Only an admin can change this; ask an admin of your account to give you the admin role.');
}
