import { AgentError, AgentErrorCode } from '../execution/agent-error.js';
import { analyst } from './analyst.js';
import { assistant } from './assistant.js';
import { drafter } from './drafter.js';
import { planner } from './planner.js';
import { researcher } from './researcher.js';
import type { Role } from './role.js';
import { reviewer } from './reviewer.js';

/** The roles Troupe ships; the `report` workflow uses the first five. */
export const builtinRoles = { planner, researcher, analyst, drafter, reviewer, assistant } as const;
export type BuiltinRoleName = keyof typeof builtinRoles;

export interface RoleRegistry {
  get(name: string): Role;
  has(name: string): boolean;
  list(): Role[];
  /** Adds a role; a role with the same name is replaced (a user role may override a built-in). */
  register(role: Role): void;
}

/** A registry holding the built-in roles (unless `builtins: false`) and the given user roles. */
export function createRoleRegistry(
  roles: readonly Role[] = [],
  options: { builtins?: boolean } = {},
): RoleRegistry {
  const byName = new Map<string, Role>();
  if (options.builtins !== false)
    for (const role of Object.values(builtinRoles)) byName.set(role.name, role as Role);
  const register = (role: Role) => {
    if (!role || typeof role.name !== 'string' || typeof role.output?.safeParse !== 'function') {
      throw new AgentError(
        AgentErrorCode.InvalidOptions,
        'createRoleRegistry: roles must be made with defineRole()',
        {
          retryable: false,
        },
      );
    }
    byName.set(role.name, role);
  };
  for (const role of roles) register(role);
  return {
    get(name) {
      const role = byName.get(name);
      if (!role) {
        throw new AgentError(
          AgentErrorCode.InvalidOptions,
          `unknown role "${name}" (known roles: ${[...byName.keys()].join(', ')})`,
          { retryable: false, details: { role: name } },
        );
      }
      return role;
    },
    has: (name) => byName.has(name),
    list: () => [...byName.values()],
    register,
  };
}
