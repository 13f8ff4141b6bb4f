import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ApiError, ApiErrorCode } from '../problem.js';

/** What a key may do. `admin` implies the others and adds the fleet view (`GET /v1/agents`). */
export const Scope = {
  TasksWrite: 'tasks:write',
  TasksRead: 'tasks:read',
  Review: 'review',
  Admin: 'admin',
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];
export const ALL_SCOPES: readonly Scope[] = Object.values(Scope);

const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
const SCOPE_PATTERN = '(?:tasks:write|tasks:read|review|admin)';
/** `key:tenant:scope1+scope2[:workflow1+workflow2]`. */
const ENTRY = new RegExp(
  `^([^:\\s]+):([^:\\s]+):(${SCOPE_PATTERN}(?:\\+${SCOPE_PATTERN})*)(?::([^:\\s]+))?$`,
);

export const ApiKeyConfigSchema = z
  .object({
    key: z
      .string()
      .min(16, 'an API key needs at least 16 characters')
      .max(512)
      .regex(/^[\x21-\x7e]+$/, 'an API key uses printable ASCII without spaces'),
    tenant: z.string().regex(TOKEN, 'a tenant uses letters, digits, "-" and "_" (1-128 characters)'),
    scopes: z.array(z.enum(ALL_SCOPES as [Scope, ...Scope[]])).min(1, 'a key needs at least one scope'),
    /** When set, the key may only submit and see tasks of these workflows. */
    workflows: z
      .array(z.string().regex(TOKEN, 'a workflow name uses letters, digits, "-" and "_"'))
      .min(1)
      .optional(),
    /** Shown in logs and as the reviewer of a human review decision; default `key-<hash prefix>`. */
    name: z.string().min(1).max(128).optional(),
  })
  .strict();
export type ApiKeyConfig = z.input<typeof ApiKeyConfigSchema>;

/** Who is calling, as the routes see it. */
export interface Principal {
  /** The first 12 hex digits of the key's SHA-256: safe to log, used for rate limits. */
  readonly keyId: string;
  readonly name: string;
  readonly tenant: string;
  readonly scopes: ReadonlySet<Scope>;
  /** Undefined: every workflow. */
  readonly workflows: ReadonlySet<string> | undefined;
  /** True when the API runs without keys (localhost only). */
  readonly open: boolean;
}

export const OPEN_TENANT = 'local';

export function openPrincipal(): Principal {
  return {
    keyId: 'open',
    name: 'local',
    tenant: OPEN_TENANT,
    scopes: new Set(ALL_SCOPES),
    workflows: undefined,
    open: true,
  };
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(Scope.Admin) || principal.scopes.has(scope);
}

export function mayUseWorkflow(principal: Principal, workflow: string): boolean {
  return principal.workflows === undefined || principal.workflows.has(workflow);
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export interface KeyStore {
  readonly size: number;
  /** The principal of a presented key, or undefined. Compares against every stored hash in constant time. */
  authenticate(presented: string): Principal | undefined;
}

/** Keeps only SHA-256 hashes of the keys; the plain keys are dropped once hashed. */
export function createKeyStore(keys: readonly ApiKeyConfig[]): KeyStore {
  const entries: Array<{ hash: Buffer; principal: Principal }> = [];
  const seen = new Set<string>();
  keys.forEach((raw, i) => {
    const parsed = ApiKeyConfigSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApiError(
        ApiErrorCode.InvalidOptions,
        `API key #${i + 1}: "${issue?.path.join('.') ?? ''}" ${issue?.message ?? 'is invalid'}`,
        { cause: parsed.error },
      );
    }
    const k = parsed.data;
    const hash = sha256(k.key);
    const hex = hash.toString('hex');
    if (seen.has(hex)) throw new ApiError(ApiErrorCode.InvalidOptions, `API key #${i + 1} is listed twice`);
    seen.add(hex);
    const keyId = hex.slice(0, 12);
    entries.push({
      hash,
      principal: {
        keyId,
        name: k.name ?? `key-${keyId}`,
        tenant: k.tenant,
        scopes: new Set(k.scopes),
        workflows: k.workflows ? new Set(k.workflows) : undefined,
        open: false,
      },
    });
  });
  return {
    size: entries.length,
    authenticate(presented) {
      const hash = sha256(presented);
      let found: Principal | undefined;
      for (const entry of entries) {
        // Every entry is compared, so the time taken does not tell which (or whether one) matched.
        if (timingSafeEqual(entry.hash, hash) && found === undefined) found = entry.principal;
      }
      return found;
    },
  };
}

/**
 * Parses a key list: a JSON array of `{ key, tenant, scopes, workflows?, name? }`, or entries
 * `key:tenant:scope1+scope2[:workflow1+workflow2]` separated by commas or newlines.
 */
export function parseApiKeys(text: string, source: string): ApiKeyConfig[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch (err) {
      throw new ApiError(
        ApiErrorCode.InvalidOptions,
        `${source} is not valid JSON: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const parsed = z.array(ApiKeyConfigSchema).safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApiError(
        ApiErrorCode.InvalidOptions,
        `${source}: entry ${issue?.path.map(String).join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
        { cause: parsed.error },
      );
    }
    return parsed.data;
  }
  return trimmed
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !entry.startsWith('#'))
    .map((entry, i) => {
      // Scopes hold colons themselves (tasks:write), so the entry is read with a pattern, not split.
      const match = ENTRY.exec(entry);
      if (!match) {
        throw new ApiError(
          ApiErrorCode.InvalidOptions,
          `${source}: entry #${i + 1} must look like key:tenant:scope1+scope2[:workflow1+workflow2] ` +
            `with scopes from ${ALL_SCOPES.join(', ')}`,
        );
      }
      const [, key, tenant, scopes, workflows] = match as unknown as [
        string,
        string,
        string,
        string,
        string | undefined,
      ];
      const config = {
        key,
        tenant,
        scopes: scopes.split('+'),
        ...(workflows ? { workflows: workflows.split('+').filter(Boolean) } : {}),
      };
      const parsed = ApiKeyConfigSchema.safeParse(config);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ApiError(
          ApiErrorCode.InvalidOptions,
          `${source}: entry #${i + 1}: "${issue?.path.join('.') ?? ''}" ${issue?.message ?? 'is invalid'}`,
          { cause: parsed.error },
        );
      }
      return parsed.data;
    });
}

/** Keys from `TROUPE_API_KEYS` and the file named by `TROUPE_API_KEYS_FILE` (both may be set). */
export function loadApiKeys(env: Readonly<Record<string, string | undefined>> = process.env): ApiKeyConfig[] {
  const keys: ApiKeyConfig[] = [];
  const inline = env['TROUPE_API_KEYS'];
  if (inline) keys.push(...parseApiKeys(inline, 'TROUPE_API_KEYS'));
  const file = env['TROUPE_API_KEYS_FILE'];
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ApiError(
        ApiErrorCode.InvalidOptions,
        `TROUPE_API_KEYS_FILE: cannot read ${file}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    keys.push(...parseApiKeys(text, `TROUPE_API_KEYS_FILE (${file})`));
  }
  return keys;
}

/** The key a request presents: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers['authorization'];
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (match) return match[1];
  }
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  return undefined;
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return (
    address === '::1' ||
    address.startsWith('127.') ||
    address.startsWith('::ffff:127.') ||
    address === 'localhost'
  );
}
