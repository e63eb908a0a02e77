/**
 * CORS, off unless SOBRE_CORS_ORIGINS lists origins (or `*`). Without it no CORS header is sent
 * and browsers keep other sites from reading answers or sending JSON (which needs a preflight).
 */
import type { RequestHandler } from 'express';

export function cors(origins: readonly string[]): RequestHandler | null {
  if (origins.length === 0) return null;
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.get('origin');
    res.vary('Origin');
    if (!origin || (!any && !allowed.has(origin))) return next();
    res.setHeader('access-control-allow-origin', any ? '*' : origin);
    res.setHeader('access-control-expose-headers', 'x-request-id, retry-after, ratelimit, ratelimit-policy');
    if (req.method === 'OPTIONS' && req.get('access-control-request-method')) {
      res.setHeader('access-control-allow-methods', 'GET, POST, DELETE');
      res.setHeader('access-control-allow-headers', 'authorization, x-api-key, content-type, accept, x-request-id');
      res.setHeader('access-control-max-age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}
