/**
 * Browser sign-in for the admin pages (a browser cannot send an Authorization header):
 * - GET /signin   a form asking for an API key
 * - POST /signin  (form-encoded `key`, optional `next`) sets the session cookie, 303 to `next`
 * - POST /signout clears it
 *
 * The session is stateless: the cookie holds `<payload>.<HMAC>` (key name, expiry, a nonce),
 * signed with a key derived from SOBRE_SESSION_SECRET (or, unset, from nothing) and the
 * configured API keys, so every process and instance with the same keys accepts it, and
 * changing the keys ends every session. Cookie: HttpOnly, SameSite=Strict, Path=/, Max-Age
 * SOBRE_SESSION_TTL_MINUTES, Secure over TLS.
 *
 * CSRF: a state-changing request authenticated by the cookie must also carry the session's
 * CSRF token (HMAC of the session token) in `x-csrf-token` or a form field `_csrf`. Requests
 * with a key header need none. Keys are read from headers and form bodies only, never from a
 * query string.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { escapeHtml } from '../report/svg';
import { httpError } from './problem';

export const SESSION_COOKIE = 'sobre_session';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** Who a session stands for: the key's name (and its scope, once keys have scopes). */
export interface SessionIdentity {
  name: string;
  scope?: string;
}

export interface SessionOptions {
  /** SOBRE_API_KEYS pairs: part of the signing key, so sessions die with a key change. */
  apiKeys: readonly string[];
  /** SOBRE_SESSION_SECRET ('' = derive from the keys alone). */
  secret: string;
  ttlMinutes: number;
  /** The identity of a presented key, or null (the same check as the key headers). */
  authenticate: (key: string) => SessionIdentity | null;
  now?: () => number;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameBytes(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    if (!out.has(name)) out.set(name, part.slice(i + 1).trim());
  }
  return out;
}

/** A browser's Origin that is not this host (login CSRF). */
function crossSite(req: Request): boolean {
  const origin = req.get('origin');
  if (!origin || origin === 'null') return false;
  try {
    return new URL(origin).host !== req.get('host');
  } catch {
    return true;
  }
}

/** Only a same-site path: `/review`, never `//host` or `https://…`. */
function safeNext(raw: unknown): string {
  return typeof raw === 'string' && /^\/(?![/\\])[\w\-./?=&%]*$/.test(raw) ? raw : '/review';
}

export class Sessions {
  private readonly signingKey: Buffer;
  private readonly now: () => number;
  private readonly form = express.urlencoded({ extended: false, limit: 4096, parameterLimit: 10 });

  constructor(private readonly opts: SessionOptions) {
    const material = ['sobre-session-v1', ...[...opts.apiKeys].sort()].join('\n');
    this.signingKey = createHmac('sha256', opts.secret || 'sobre').update(material).digest();
    this.now = opts.now ?? Date.now;
  }

  private mac(kind: string, data: string): string {
    return b64url(createHmac('sha256', this.signingKey).update(`${kind}\n${data}`).digest());
  }

  issue(identity: SessionIdentity): { token: string; expiresAt: Date } {
    const expiresAt = new Date(this.now() + this.opts.ttlMinutes * 60_000);
    const payload = b64url(JSON.stringify({ v: 1, n: identity.name, s: identity.scope, e: Math.floor(expiresAt.getTime() / 1000), r: b64url(randomBytes(9)) }));
    return { token: `${payload}.${this.mac('session', payload)}`, expiresAt };
  }

  /** The identity of a well-signed, unexpired token; null otherwise. */
  verify(token: string | undefined): SessionIdentity | null {
    if (!token || token.length > 1024) return null;
    const [payload, sig, extra] = token.split('.');
    if (!payload || !sig || extra !== undefined || !sameBytes(sig, this.mac('session', payload))) return null;
    try {
      const p = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { v?: unknown; n?: unknown; s?: unknown; e?: unknown };
      if (p.v !== 1 || typeof p.n !== 'string' || typeof p.e !== 'number' || p.e * 1000 <= this.now()) return null;
      return typeof p.s === 'string' ? { name: p.n, scope: p.s } : { name: p.n };
    } catch {
      return null;
    }
  }

  csrfToken(token: string): string {
    return this.mac('csrf', token);
  }

  tokenOf(req: Request): string | undefined {
    return parseCookies(req.get('cookie')).get(SESSION_COOKIE);
  }

  /** The session's CSRF token for a page to embed ('' without a valid session). */
  csrfFor(req: Request): string {
    const token = this.tokenOf(req);
    return token && this.verify(token) ? this.csrfToken(token) : '';
  }

  /**
   * The identity of the request's session cookie (null without a valid one). A state-changing
   * request must carry the CSRF token too (header, or `_csrf` in a form body, parsed here):
   * otherwise a 403 problem is thrown.
   */
  async identify(req: Request, res: Response): Promise<SessionIdentity | null> {
    const token = this.tokenOf(req);
    const identity = this.verify(token);
    if (!identity || !token || SAFE_METHODS.has(req.method)) return identity;
    let presented = req.get(CSRF_HEADER);
    if (!presented && req.is('application/x-www-form-urlencoded')) {
      await new Promise<void>((resolve, reject) => this.form(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
      const field = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
      presented = typeof field === 'string' ? field : undefined;
    }
    if (!presented || !sameBytes(presented, this.csrfToken(token))) {
      throw httpError(403, 'csrf', `A request signed in by cookie must carry the session's CSRF token (${CSRF_HEADER} header or ${CSRF_FIELD} form field); reload the page`);
    }
    return identity;
  }

  private cookie(req: Request, value: string, maxAgeSeconds: number): string {
    const expires = new Date(this.now() + maxAgeSeconds * 1000).toUTCString();
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}; Expires=${expires}${req.secure ? '; Secure' : ''}`;
  }

  /** GET /signin, POST /signin, POST /signout. `keysConfigured` false: sign-in is refused (403). */
  routes(keysConfigured: boolean): express.Router {
    const router = express.Router();
    router.get('/signin', (req, res) => {
      sendPage(res, 200, signInPage(safeNext(req.query.next), keysConfigured ? '' : 'Sign-in is disabled until SOBRE_API_KEYS is set.'));
    });
    router.post('/signin', this.form, (req, res) => {
      if (crossSite(req)) throw httpError(403, 'forbidden', 'Sign-in from another site is refused');
      const body = (req.body ?? {}) as Record<string, unknown>;
      const next = safeNext(body.next);
      if (!keysConfigured) return sendPage(res, 403, signInPage(next, 'Sign-in is disabled until SOBRE_API_KEYS is set.'));
      const identity = typeof body.key === 'string' && body.key !== '' ? this.opts.authenticate(body.key) : null;
      if (!identity) return sendPage(res, 401, signInPage(next, 'That key is not valid.'));
      const { token } = this.issue(identity);
      res.setHeader('set-cookie', this.cookie(req, token, this.opts.ttlMinutes * 60));
      res.redirect(303, next);
    });
    router.post('/signout', async (req, res) => {
      await this.identify(req, res); // a cross-site form must not sign anyone out either
      res.setHeader('set-cookie', this.cookie(req, '', 0));
      res.redirect(303, '/signin');
    });
    return router;
  }

  /** Before an admin page's access check: a browser without a key or session goes to the form. */
  redirectToSignIn(): RequestHandler {
    return (req, res, next) => {
      const hasKey = Boolean(req.get('authorization') || req.get('x-api-key'));
      const browser = (req.get('accept') ?? '').includes('text/html');
      if (hasKey || !browser || req.method !== 'GET' || this.verify(this.tokenOf(req))) return next();
      res.redirect(303, `/signin?next=${encodeURIComponent(req.originalUrl.slice(0, 200))}`);
    };
  }
}

/** Pages: inline CSS only, nothing loaded from anywhere, forms post to this origin. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export const PAGE_CSS = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d232a}
header{background:#1d3b2a;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}main{padding:16px 24px;max-width:900px}
.error{color:#a11;font-weight:600}input[type=password]{font-size:16px;padding:6px;width:22em}button{font-size:15px;padding:6px 14px;margin-right:8px}`;

function sendPage(res: Response, status: number, html: string): void {
  res.status(status).set({ 'content-security-policy': PAGE_CSP, 'cache-control': 'no-store' }).type('html').send(html);
}

function signInPage(next: string, error: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sobre · sign in</title><style>${PAGE_CSS}</style></head>
<body><header><h1>Sobre · sign in</h1></header><main>
${error ? `<p class="error" id="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/signin"><p><label>API key (a name:key pair's key from SOBRE_API_KEYS)<br>
<input type="password" name="key" autocomplete="current-password" autofocus required></label></p>
<input type="hidden" name="next" value="${escapeHtml(next)}"><p><button type="submit">Sign in</button></p></form>
</main></body></html>`;
}
