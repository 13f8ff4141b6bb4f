import type { WhoAmI } from '@troupe/client';

export type Scope = WhoAmI['scopes'][number];

/** As the API decides it: `admin` may do everything. */
export function hasScope(whoami: Pick<WhoAmI, 'scopes'>, scope: Scope): boolean {
  return whoami.scopes.includes('admin') || whoami.scopes.includes(scope);
}
