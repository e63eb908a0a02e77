/**
 * Out of the box (`npm start`: no API keys, bound to 127.0.0.1) the only person who can reach the
 * service is the one at this machine, so the report and the dashboard are open to them. With no
 * keys on any other address they stay closed (403, saying what to do); with keys they need one
 * (or a browser sign-in), as every admin route does.
 *
 * A request that came through a proxy (Forwarded or X-Forwarded-* headers) or from another
 * address is not local, even then: a reverse proxy on the same host would otherwise open the
 * report to whoever reaches the proxy.
 */
import { isIP } from 'node:net';
import type { RequestHandler } from 'express';
import { httpError } from './problem';

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (a === 'localhost' || a === '::1') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** The report is open without a key: no key configured and the service bound to loopback only. */
export function reportOpenLocally(keysConfigured: boolean, host: string): boolean {
  return !keysConfigured && isLoopbackAddress(host);
}

/** Lets through only a direct request from this machine; otherwise a 403 saying what to do. */
export function localOnly(): RequestHandler {
  return (req, _res, next) => {
    const proxied = Boolean(req.get('forwarded') || req.get('x-forwarded-for') || req.get('x-forwarded-host'));
    if (!proxied && isLoopbackAddress(req.socket.remoteAddress)) return next();
    next(httpError(403, 'forbidden', 'Without API keys the report is open only to this machine, asked directly (not through a proxy): set SOBRE_API_KEYS (comma-separated name:key pairs) and sign in at /signin, or send a key as Authorization: Bearer <key>'));
  };
}
