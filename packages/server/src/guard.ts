import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { apiError, type ApiError } from './errors.js';

/** What the guard lets in. */
export interface GuardOptions {
  /** When set, every request but `GET /health` needs `Authorization: Bearer KEY`. */
  readonly apiKey?: string | undefined;
  /** Origins (e.g. `https://app.example`) whose pages may call the server from a browser; `*` for any. */
  readonly corsOrigins?: readonly string[];
  /** Host names the server answers to (besides loopback names): those of its own address. */
  readonly hosts: readonly string[];
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** SHA-256 of both sides first, so the comparison takes the same time whatever the lengths. */
function sameKey(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The host name of a `Host` header, without its port. */
function hostName(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
}

/**
 * Refuses what a local server must not take: a `Host` that is not the
 * server's own (DNS rebinding: a page on attacker.example resolving to
 * 127.0.0.1), an `Origin` not allowed by `corsOrigins` (a page on another site
 * posting to the server), and, with an API key, requests without it (compared
 * in constant time). Answers CORS preflights for allowed origins.
 */
export function guard(options: GuardOptions): MiddlewareHandler {
  const hosts = new Set([...LOOPBACK_HOSTS, ...options.hosts].map((h) => h.toLowerCase()));
  const origins = new Set(options.corsOrigins ?? []);
  const refuse = (e: ApiError) => new Response(JSON.stringify(e.body), { status: e.status, headers: { 'content-type': 'application/json' } });
  return async (c, next) => {
    const host = c.req.header('host');
    if (!host || !hosts.has(hostName(host).toLowerCase())) return refuse(apiError(403, 'invalid_request_error', `host "${host ?? ''}" is not this server's`, 'E_FORBIDDEN_HOST'));
    const origin = c.req.header('origin');
    const allowed = origin !== undefined && (origins.has('*') || origins.has(origin));
    if (origin !== undefined && !allowed) {
      const ownOrigin = [...hosts].some((h) => origin === `http://${h}` || origin.startsWith(`http://${h}:`));
      if (!ownOrigin) return refuse(apiError(403, 'invalid_request_error', `origin ${origin} is not allowed (start the server with --cors ${origin} to allow it)`, 'E_FORBIDDEN_ORIGIN'));
    }
    if (allowed) {
      c.header('access-control-allow-origin', origin);
      c.header('vary', 'origin');
      if (c.req.method === 'OPTIONS') {
        c.header('access-control-allow-methods', 'GET, POST, OPTIONS');
        c.header('access-control-allow-headers', 'authorization, content-type');
        c.header('access-control-max-age', '600');
        return c.body(null, 204);
      }
    }
    if (options.apiKey !== undefined && c.req.path !== '/health') {
      const auth = c.req.header('authorization') ?? '';
      const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      if (!sameKey(given, options.apiKey)) return refuse(apiError(401, 'authentication_error', 'missing or wrong API key (send Authorization: Bearer KEY)', 'invalid_api_key'));
    }
    await next();
  };
}
