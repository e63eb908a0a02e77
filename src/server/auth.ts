/**
 * API keys (SOBRE_API_KEYS = `name:key` pairs), sent as `Authorization: Bearer <key>` or
 * `x-api-key: <key>`. Keys are compared as SHA-256 digests with `timingSafeEqual` against every
 * configured key (no early exit), and only the key's name is ever kept or logged.
 *
 * - Asking (`access: 'ask'`) needs a key when keys are configured, and is open otherwise.
 * - Admin routes (`access: 'admin'`: documents, report, metrics) always need a key. With no key
 *   configured they are refused (403) with a detail saying to set SOBRE_API_KEYS: a loopback
 *   exception would open them to anyone behind a reverse proxy on the same host.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { contextOf } from './context';
import { httpError } from './problem';

export type Access = 'public' | 'ask' | 'admin';

interface StoredKey {
  name: string;
  digest: Buffer;
}

export class KeyRing {
  private readonly keys: StoredKey[];

  constructor(pairs: readonly string[]) {
    this.keys = pairs.map((pair) => {
      const i = pair.indexOf(':');
      return { name: pair.slice(0, i), digest: digest(pair.slice(i + 1)) };
    });
  }

  get configured(): boolean {
    return this.keys.length > 0;
  }

  /** The name of the key, or null. Takes the same time whichever key matches. */
  identify(presented: string): string | null {
    const d = digest(presented);
    let found: string | null = null;
    for (const k of this.keys) if (timingSafeEqual(d, k.digest) && found === null) found = k.name;
    return found;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The key the client sent; `conflict` when the two headers carry different keys. */
export function presentedKey(req: Request): { key: string | null; conflict: boolean } {
  const auth = req.get('authorization');
  const bearer = auth && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : null;
  const header = req.get('x-api-key')?.trim() || null;
  if (bearer && header && bearer !== header) return { key: null, conflict: true };
  return { key: bearer || header, conflict: false };
}

const CHALLENGE = { 'www-authenticate': 'Bearer realm="sobre"' };

/** A signed-in browser's identity (session.ts `Sessions.identify`): the same key name a header gives. */
export type SessionLookup = (req: Request, res: Response) => Promise<{ name: string } | null>;

/** Authenticate (any access) and authorise for `access`; sets the context's key name. */
export function requireAccess(ring: KeyRing, access: Access, session?: SessionLookup): RequestHandler {
  return async (req, res, next) => {
    if (access === 'public') return next();
    if (access === 'admin' && !ring.configured) {
      return next(httpError(403, 'forbidden', 'Admin routes are disabled: set SOBRE_API_KEYS (comma-separated name:key pairs) and send a key as Authorization: Bearer <key> or x-api-key'));
    }
    if (!ring.configured) return next();
    const { key, conflict } = presentedKey(req);
    if (conflict) return next(httpError(401, 'unauthorized', 'Authorization and x-api-key carry different keys: send one key', { headers: CHALLENGE }));
    const signedIn = !key && session ? await session(req, res) : null;
    if (signedIn) {
      contextOf(res).keyName = signedIn.name;
      return next();
    }
    if (!key) return next(httpError(401, 'unauthorized', 'An API key is required: send Authorization: Bearer <key> or x-api-key: <key>', { headers: CHALLENGE }));
    const name = ring.identify(key);
    if (name === null) return next(httpError(401, 'unauthorized', 'The API key is not valid', { headers: CHALLENGE }));
    contextOf(res).keyName = name;
    next();
  };
}
