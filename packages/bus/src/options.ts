import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { BusError, BusErrorCode } from './errors.js';

export const ConnectOptionsSchema = z
  .object({
    /** Server URLs; default `NATS_URL` (comma-separated), else nats://127.0.0.1:4222. */
    servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** The connection name the server shows in its monitoring. */
    name: z.string().min(1).max(200).optional(),
    /** User and password; default `TROUPE_NATS_USER` and `TROUPE_NATS_PASSWORD`. */
    user: z.string().min(1).optional(),
    pass: z.string().optional(),
    /**
     * Prefix of this connection's reply subjects; default `TROUPE_NATS_INBOX_PREFIX`, else `_INBOX`. A
     * least-privilege user may subscribe only under its own prefix (see permissions.ts).
     */
    inboxPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'an inbox prefix is one subject token')
      .optional(),
    token: z.string().min(1).optional(),
    /** An NKey seed (starts with "SU"). */
    nkeySeed: z
      .string()
      .regex(/^SU[A-Z2-7]+$/, 'an NKey user seed starts with "SU"')
      .optional(),
    /** A `.creds` file (JWT + seed); default `TROUPE_NATS_CREDS`. */
    credsFile: z.string().min(1).optional(),
    /** Milliseconds before the first connection attempt gives up. */
    timeoutMs: z.number().int().positive().default(5_000),
    /** Base wait between reconnect attempts; jitter is added. Reconnects never stop. */
    reconnectWaitMs: z.number().int().positive().default(250),
    reconnectJitterMs: z.number().int().nonnegative().default(250),
    /** Milliseconds a drain may take on close. */
    drainTimeoutMs: z.number().int().positive().default(10_000),
  })
  .strict();

export type ConnectOptions = z.input<typeof ConnectOptionsSchema>;
export type ResolvedConnectOptions = z.output<typeof ConnectOptionsSchema> & { servers: string[] };

/** Normalise (env defaults), then validate, failing with a message that names the option. */
export function resolveConnectOptions(
  options: ConnectOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConnectOptions {
  const parsed = ConnectOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') || '(root)';
    throw new BusError(
      BusErrorCode.InvalidOptions,
      `connect(): option "${path}" is invalid: ${issue?.message}`,
      {
        cause: parsed.error,
        details: { option: path },
      },
    );
  }
  const value = parsed.data;
  const rawServers = value.servers ?? env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
  const servers = (Array.isArray(rawServers) ? rawServers : rawServers.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  for (const server of servers) {
    if (!/^(nats|tls|ws|wss):\/\/[^\s]+$|^[\w.-]+:\d+$/.test(server)) {
      throw new BusError(
        BusErrorCode.InvalidOptions,
        `connect(): option "servers" has "${server}", which is not a NATS URL (nats://host:port)`,
        { details: { option: 'servers' } },
      );
    }
  }
  const credsFile = value.credsFile ?? env['TROUPE_NATS_CREDS'];
  if (value.pass !== undefined && value.user === undefined) {
    throw new BusError(BusErrorCode.InvalidOptions, 'connect(): option "pass" needs "user" too', {
      details: { option: 'pass' },
    });
  }
  const user = value.user ?? (env['TROUPE_NATS_USER'] || undefined);
  const pass = value.user !== undefined ? value.pass : (env['TROUPE_NATS_PASSWORD'] ?? undefined);
  const inboxPrefix = value.inboxPrefix ?? (env['TROUPE_NATS_INBOX_PREFIX'] || undefined);
  return {
    ...value,
    servers,
    ...(credsFile ? { credsFile } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(pass !== undefined ? { pass } : {}),
    ...(inboxPrefix ? { inboxPrefix } : {}),
  };
}

export function readCredsFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new BusError(
      BusErrorCode.InvalidOptions,
      `connect(): option "credsFile" (${path}) cannot be read`,
      {
        cause: err,
        details: { option: 'credsFile' },
      },
    );
  }
}
