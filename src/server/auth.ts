/**
 * API keys (SOBRE_API_KEYS = `name:key[:scope]` entries), sent as `Authorization: Bearer <key>` or
 * `x-api-key: <key>`. Keys are compared as SHA-256 digests with `timingSafeEqual` against every
 * configured key (no early exit), and only the key's name is ever kept or logged.
 *
 * - Asking (`access: 'ask'`) needs a key when keys are configured, and is open otherwise.
 * - Admin routes (`access: 'admin'`: writes, documents, jobs, report, metrics) need a key of
 *   scope `admin` (a pair without a scope is one, as before scopes existed); an `ask` key gets
 *   403. With no key configured they are refused (403) with a detail saying to set
 *   SOBRE_API_KEYS: a loopback exception would open them to anyone behind a reverse proxy.
 * - Weak keys (under 16 characters, or under 8 different ones), names used twice and keys given
 *   twice stop start-up with a message naming the key, never showing it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { SobreError } from '../errors';
import { contextOf, type Scope } from './context';
import { httpError } from './problem';

export type Access = 'public' | 'ask' | 'admin';
export type { Scope } from './context';

const SCOPES: readonly Scope[] = ['ask', 'admin'];
export const MIN_KEY_CHARS = 16;
export const MIN_DISTINCT_CHARS = 8;

export interface KeyIdentity {
  name: string;
  scope: Scope;
}

interface StoredKey extends KeyIdentity {
  digest: Buffer;
}

function refuse(why: string): SobreError {
  return new SobreError('bad_config', `Invalid SOBRE_API_KEYS: ${why}`, { setting: 'apiKeys' });
}

/** `name:key[:scope]`; the key may contain colons, and a last segment that is not a scope belongs to it. */
function parseEntry(entry: string): KeyIdentity & { key: string } {
  const i = entry.indexOf(':');
  if (i <= 0 || i === entry.length - 1) throw refuse('expected comma-separated name:key or name:key:scope entries');
  const name = entry.slice(0, i);
  let key = entry.slice(i + 1);
  let scope: Scope = 'admin';
  const j = key.lastIndexOf(':');
  const last = j > 0 ? key.slice(j + 1) : '';
  if ((SCOPES as readonly string[]).includes(last)) {
    scope = last as Scope;
    key = key.slice(0, j);
  }
  const strong = `use a random key of at least ${MIN_KEY_CHARS} characters (for example: openssl rand -base64 24)`;
  if (key.length < MIN_KEY_CHARS) throw refuse(`the key of ${name} is shorter than ${MIN_KEY_CHARS} characters: ${strong}`);
  if (new Set(key).size < MIN_DISTINCT_CHARS) throw refuse(`the key of ${name} has fewer than ${MIN_DISTINCT_CHARS} different characters (need at least ${MIN_DISTINCT_CHARS} different characters): ${strong}`);
  return { name, key, scope };
}

export class KeyRing {
  private readonly keys: StoredKey[];

  /** Throws `bad_config` for a malformed entry, a weak key, a name used twice or a key given twice. */
  constructor(entries: readonly string[]) {
    const names = new Set<string>();
    const nameOfDigest = new Map<string, string>();
    this.keys = entries.map((entry) => {
      const { name, key, scope } = parseEntry(entry);
      if (names.has(name)) throw refuse(`the name ${name} is used twice: give each key its own name`);
      const d = digest(key);
      const same = nameOfDigest.get(d.toString('hex'));
      if (same !== undefined) throw refuse(`${same} and ${name} have the same key: give each its own`);
      names.add(name);
      nameOfDigest.set(d.toString('hex'), name);
      return { name, scope, digest: d };
    });
  }

  get configured(): boolean {
    return this.keys.length > 0;
  }

  /** The name and scope of the key, or null. Takes the same time whichever key matches. */
  lookup(presented: string): KeyIdentity | null {
    const d = digest(presented);
    let found: KeyIdentity | null = null;
    for (const k of this.keys) if (timingSafeEqual(d, k.digest) && found === null) found = { name: k.name, scope: k.scope };
    return found;
  }

  /** The scope of the key named `name` now, or null when there is none. */
  scopeOf(name: string): Scope | null {
    return this.keys.find((k) => k.name === name)?.scope ?? null;
  }

  /** The name of the key, or null. */
  identify(presented: string): string | null {
    return this.lookup(presented)?.name ?? null;
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

/**
 * Authenticate (any access) and authorise for `access`; sets the context's key name and scope.
 * A signed-in browser has the scope its key has now (a key dropped from SOBRE_API_KEYS ends it).
 */
export function requireAccess(ring: KeyRing, access: Access, session?: SessionLookup): RequestHandler {
  return async (req, res, next) => {
    if (access === 'public') return next();
    if (access === 'admin' && !ring.configured) {
      return next(httpError(403, 'forbidden', 'Admin routes are disabled: set SOBRE_API_KEYS (comma-separated name:key pairs) and send a key as Authorization: Bearer <key> or x-api-key'));
    }
    if (!ring.configured) return next();
    const { key, conflict } = presentedKey(req);
    if (conflict) return next(httpError(401, 'unauthorized', 'Authorization and x-api-key carry different keys: send one key', { headers: CHALLENGE }));
    let found: KeyIdentity | null;
    if (key) found = ring.lookup(key);
    else {
      const signedIn = session ? await session(req, res) : null;
      if (!signedIn) return next(httpError(401, 'unauthorized', 'An API key is required: send Authorization: Bearer <key> or x-api-key: <key>', { headers: CHALLENGE }));
      const scope = ring.scopeOf(signedIn.name);
      found = scope ? { name: signedIn.name, scope } : null;
    }
    if (found === null) {
      return next(httpError(401, 'unauthorized', key ? 'The API key is not valid' : 'The key this session was signed in with is no longer configured: sign in again', { headers: CHALLENGE }));
    }
    const ctx = contextOf(res);
    ctx.keyName = found.name;
    ctx.scope = found.scope;
    if (access === 'admin' && found.scope !== 'admin') {
      return next(httpError(403, 'forbidden', `The key ${found.name} has scope ask: it may only ask. This route needs an admin key (name:key:admin in SOBRE_API_KEYS)`));
    }
    next();
  };
}
