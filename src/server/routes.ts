/**
 * The routes an Express app really serves, read from its router stack (also nested routers),
 * for the 405 handler, for metric/log labels (a pattern, never a raw path) and for the test that
 * compares them with the OpenAPI document.
 */
import type { Express, RequestHandler } from 'express';
import { httpError } from './problem';

export interface RouteInfo {
  /** Express pattern, e.g. `/v1/documents/:id`. */
  path: string;
  /** Upper case; HEAD is implied by GET. */
  methods: string[];
}

interface LayerLike {
  route?: { path?: unknown; methods?: Record<string, boolean> };
  handle?: { stack?: unknown };
}

function walk(stack: unknown, out: Map<string, Set<string>>): void {
  if (!Array.isArray(stack)) return;
  for (const layer of stack as LayerLike[]) {
    const route = layer.route;
    if (route && typeof route.path === 'string') {
      const methods = out.get(route.path) ?? new Set<string>();
      for (const [m, on] of Object.entries(route.methods ?? {})) if (on && m !== '_all') methods.add(m.toUpperCase());
      out.set(route.path, methods);
    } else if (layer.handle?.stack) {
      walk(layer.handle.stack, out);
    }
  }
}

export function listRoutes(app: Express): RouteInfo[] {
  const out = new Map<string, Set<string>>();
  walk((app as unknown as { router?: { stack?: unknown } }).router?.stack, out);
  return [...out].map(([path, methods]) => ({ path, methods: [...methods].sort() }));
}

function segments(p: string): string[] {
  return p.toLowerCase().split('/').filter((s, i, all) => !(s === '' && i === all.length - 1 && i > 0));
}

/** Express-style matching of a concrete path against the patterns (case-insensitive, trailing slash allowed). */
export function matchRoute(routes: readonly RouteInfo[], path: string): RouteInfo | undefined {
  const given = segments(path);
  return routes.find((r) => {
    const pattern = segments(r.path);
    return pattern.length === given.length && pattern.every((s, i) => (s.startsWith(':') ? given[i] !== '' : s === given[i]));
  });
}

export function allowHeader(route: RouteInfo): string {
  const methods = new Set(route.methods);
  if (methods.has('GET')) methods.add('HEAD');
  methods.add('OPTIONS');
  return [...methods].sort().join(', ');
}

/** Before the routes (after CORS preflights): OPTIONS on a known path answers 204 with Allow. */
export function optionsResponder(routes: () => readonly RouteInfo[]): RequestHandler {
  return (req, res, next) => {
    const route = req.method === 'OPTIONS' ? matchRoute(routes(), req.path) : undefined;
    if (!route) return next();
    res.setHeader('allow', allowHeader(route));
    res.status(204).end();
  };
}

/** After the routes: another method on a known path is 405 (with Allow); the rest 404. */
export function unmatched(routes: () => readonly RouteInfo[]): RequestHandler {
  return (req, _res, next) => {
    const route = matchRoute(routes(), req.path);
    if (!route) return next(httpError(404, 'not_found', `No route for ${req.method} ${req.path.slice(0, 200)}`));
    const allow = allowHeader(route);
    next(httpError(405, 'method_not_allowed', `${req.method} is not allowed on ${route.path}; allowed: ${allow}`, { headers: { allow } }));
  };
}
