/**
 * Who may use the console and proof that a form came from it.
 * - Auth: with CONSOLE_AUTH_TOKEN set, every request needs `Authorization: Bearer <token>` or the
 *   `console_token` cookie the login form sets (compared in constant time).
 * - CSRF: a random secret per process; each browser gets a random session cookie and every form carries
 *   HMAC(secret, session). Every POST must present it, so another site cannot submit a form on the
 *   operator's behalf (the cookies are also SameSite=Strict).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'console_session';
export const TOKEN_COOKIE = 'console_token';
export const CSRF_FIELD = '_csrf';

/** The request's cookies (a header Fastify does not parse without a plugin). */
export function readCookies(request: FastifyRequest): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const value = part.slice(at + 1).trim();
    try {
      cookies.set(part.slice(0, at).trim(), decodeURIComponent(value));
    } catch {
      // A malformed escape is not a cookie this console set: ignore it.
    }
  }
  return cookies;
}

export function setCookie(reply: FastifyReply, name: string, value: string): void {
  const cookie = `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict`;
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  reply.header('set-cookie', [...list, cookie]);
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Constant time whatever the lengths: both sides are hashed first. */
export function sameSecret(presented: string, expected: string): boolean {
  return presented.length > 0 && timingSafeEqual(digest(presented), digest(expected));
}

export function bearerToken(request: FastifyRequest): string | undefined {
  return /^Bearer (.+)$/i.exec(request.headers.authorization?.trim() ?? '')?.[1]?.trim();
}

/** True when the request presents the console's token (header or cookie); always true without a token. */
export function isAuthorized(request: FastifyRequest, token: string | undefined): boolean {
  if (token === undefined) return true;
  const presented = bearerToken(request) ?? readCookies(request).get(TOKEN_COOKIE) ?? '';
  return sameSecret(presented, token);
}

/** A short non-secret name for a token, for audit rows: its hash's first 8 hex digits. */
export function tokenId(token: string): string {
  return digest(token).toString('hex').slice(0, 8);
}

export class CsrfGuard {
  readonly #secret = randomBytes(32);

  /** The token for this request's forms; starts a session (sets its cookie) when there is none. */
  token(request: FastifyRequest, reply: FastifyReply): string {
    let session = readCookies(request).get(SESSION_COOKIE);
    if (session === undefined || !/^[0-9a-f]{32}$/.test(session)) {
      session = randomBytes(16).toString('hex');
      setCookie(reply, SESSION_COOKIE, session);
      // Later calls while rendering the same page must see the same session.
      request.headers.cookie = `${request.headers.cookie ?? ''}; ${SESSION_COOKIE}=${session}`;
    }
    return this.#sign(session);
  }

  /** True when the form's token was issued for this request's session. */
  check(request: FastifyRequest, presented: string | undefined): boolean {
    const session = readCookies(request).get(SESSION_COOKIE);
    if (session === undefined || presented === undefined) return false;
    return sameSecret(presented, this.#sign(session));
  }

  #sign(session: string): string {
    return createHmac('sha256', this.#secret).update(session).digest('base64url');
  }
}
