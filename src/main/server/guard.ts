import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LatheError } from '../../shared/errors';

/**
 * The checks every request to the HTTP door passes before anything else runs. Pure functions of the
 * request, so each hostile case is tested directly.
 */

const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** DNS-rebinding defence: the Host header must name loopback (with our port). */
export function checkHost(host: string | undefined, port: number): void {
  const ok = host !== undefined && [...LOOPBACK_HOSTNAMES].some((h) => host === `${h}:${port}` || host === h);
  if (!ok) {
    throw new LatheError('FORBIDDEN', `Host "${host ?? ''}" is not a loopback address`, {
      hint: `Open Lathe at http://127.0.0.1:${port}/`,
    });
  }
}

export const TOKEN_COOKIE = 'lathe_token';

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token arrives as `Authorization: Bearer`, `?token=` (first page load, scripts) or our cookie. */
export function presentedToken(req: IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  if (auth?.startsWith('Token ')) return auth.slice(6).trim();
  const q = url.searchParams.get('token');
  if (q) return q;
  const cookie = req.headers.cookie;
  if (cookie) {
    for (const part of cookie.split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === TOKEN_COOKIE) return decodeURIComponent(v.join('='));
    }
  }
  return undefined;
}

export function checkToken(given: string | undefined, token: string): void {
  if (given === undefined || !sameToken(given, token)) {
    throw new LatheError('UNAUTHORIZED', given === undefined ? 'This Lathe server needs its token' : 'Wrong token for this Lathe server', {
      hint: 'Use the URL `lathe serve` printed (it carries ?token=...), or send "Authorization: Bearer <token>".',
    });
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses cross-origin state changes: a page on another origin must not be able to drive Lathe even
 * if it guessed the port (the token cookie is SameSite=Strict too; this is the second lock).
 */
export function checkOrigin(req: IncomingMessage, port: number): void {
  if (SAFE_METHODS.has(req.method ?? 'GET')) return;
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    throw new LatheError('FORBIDDEN', 'Cross-origin requests may not change anything');
  }
  const origin = req.headers.origin;
  if (origin === undefined) return; // non-browser clients (curl, scripts, MLflow clients) send none
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    throw new LatheError('FORBIDDEN', `Origin "${origin}" is not this server`);
  }
  const ok = parsed.protocol === 'http:' && LOOPBACK_HOSTNAMES.has(parsed.hostname === '::1' ? '[::1]' : parsed.hostname) && parsed.port === String(port);
  if (!ok) throw new LatheError('FORBIDDEN', `Origin "${origin}" is not this server; cross-origin requests may not change anything`);
}

/** Calls carry JSON; anything else (a form post, text/plain "simple request") is refused with 415. */
export function checkJson(req: IncomingMessage): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    throw new LatheError('UNSUPPORTED_MEDIA_TYPE', `Expected a JSON body (Content-Type: application/json), got "${type || 'none'}"`);
  }
}
