import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  createKeyStore,
  hasScope,
  isLoopback,
  openPrincipal,
  presentedKey,
  type ApiKeyConfig,
  type Principal,
  type Scope,
} from '../auth/api-keys.js';
import { ApiError, ApiErrorCode } from '../problem.js';

/** What a route needs: no key, any valid key (the route checks scopes itself), or one scope. */
export type RouteAuth = 'public' | 'any' | Scope;

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface RateWindow {
  max: number;
  windowMs: number;
}

export interface AuthHookOptions {
  keys: readonly ApiKeyConfig[];
  rateLimit: { perKey: RateWindow; perTenant: RateWindow; unauthenticated: RateWindow };
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError(ApiErrorCode.Internal, 'route reached without authentication');
  return request.principal;
}

/**
 * Authenticates every non-public route (Bearer or `x-api-key`), then applies the per-key and per-tenant
 * rate limits (@fastify/rate-limit's limiters), then the route's scope. Without keys the API is open to
 * loopback connections only, as tenant `local` with every scope.
 */
export function registerAuth(app: FastifyInstance, options: AuthHookOptions): { open: boolean } {
  const store = createKeyStore(options.keys);
  const open = store.size === 0;
  const limit = (w: RateWindow, keyGenerator: (req: FastifyRequest) => string) =>
    app.createRateLimit({ max: w.max, timeWindow: w.windowMs, keyGenerator });
  const perKey = limit(options.rateLimit.perKey, (req) => `key:${req.principal?.keyId ?? '-'}`);
  const perTenant = limit(options.rateLimit.perTenant, (req) => `tenant:${req.principal?.tenant ?? '-'}`);
  const failedAuth = limit(options.rateLimit.unauthenticated, (req) => `ip:${req.ip}`);

  const enforce = async (
    limiter: ReturnType<typeof limit>,
    request: FastifyRequest,
    what: string,
  ): Promise<void> => {
    const r = await limiter(request);
    if (r.isAllowed || !r.isExceeded) return;
    throw new ApiError(
      ApiErrorCode.RateLimited,
      `More than ${r.max} requests in ${Math.round(r.timeWindow / 1000)} s ${what}: retry after ${r.ttlInSeconds} s.`,
      {
        headers: { 'retry-after': String(Math.max(1, r.ttlInSeconds)) },
        details: { limit: r.max, windowMs: r.timeWindow },
      },
    );
  };

  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const auth = request.routeOptions.config?.auth ?? 'public';
    if (auth === 'public') return;
    let principal: Principal | undefined;
    if (open) {
      if (!isLoopback(request.socket.remoteAddress)) {
        throw new ApiError(
          ApiErrorCode.Unauthorized,
          'This API runs without API keys and answers loopback connections only: configure TROUPE_API_KEYS to serve other hosts.',
        );
      }
      principal = openPrincipal();
    } else {
      const key = presentedKey(request.headers);
      if (key !== undefined) principal = store.authenticate(key);
      if (!principal) {
        await enforce(failedAuth, request, 'without a valid API key from this address');
        throw new ApiError(
          ApiErrorCode.Unauthorized,
          key === undefined
            ? 'Send an API key as "Authorization: Bearer <key>" or "x-api-key: <key>".'
            : 'The API key is not valid: check it, or ask for a new one.',
          { headers: { 'www-authenticate': 'Bearer realm="troupe"' } },
        );
      }
    }
    request.principal = principal;
    await enforce(perKey, request, 'with this API key');
    await enforce(perTenant, request, `for tenant "${principal.tenant}"`);
    if (auth !== 'any' && !hasScope(principal, auth)) {
      throw new ApiError(ApiErrorCode.Forbidden, `This API key lacks the "${auth}" scope this route needs.`, {
        details: { requiredScope: auth },
      });
    }
  });
  return { open };
}
