import { accessSync, constants, readFileSync } from 'node:fs';
import { z } from 'zod';
import { NatsEnv, type NatsCredentials, type NatsTlsFiles } from './connection-env.js';
import { BusError, BusErrorCode } from './errors.js';

const NKEY_SEED = /^SU[A-Z2-7]+$/;

export const ConnectOptionsSchema = z
  .object({
    /** Server URLs; default `NATS_URL` (comma-separated), else nats://127.0.0.1:4222. */
    servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** The connection name the server shows in its monitoring. */
    name: z.string().min(1).max(200).optional(),
    /**
     * Credentials, one kind at most: `user`/`pass`, `token`, `nkeySeed` or `credsFile`. When none is given,
     * the environment's are used (`TROUPE_NATS_USER`/`TROUPE_NATS_PASSWORD`, `TROUPE_NATS_TOKEN`,
     * `TROUPE_NATS_NKEY`, `TROUPE_NATS_CREDS`), again one kind at most.
     */
    user: z.string().min(1).optional(),
    /** Default `TROUPE_NATS_PASSWORD` when `user` is given. */
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
    nkeySeed: z.string().regex(NKEY_SEED, 'an NKey user seed starts with "SU"').optional(),
    /** A `.creds` file (JWT + seed). */
    credsFile: z.string().min(1).optional(),
    /** The CA file (PEM) the servers' certificates are checked against; default `TROUPE_NATS_TLS_CA`. */
    tlsCa: z.string().min(1).optional(),
    /** A client certificate (PEM), with `tlsKey`; default `TROUPE_NATS_TLS_CERT`. */
    tlsCert: z.string().min(1).optional(),
    /** The client certificate's key (PEM), with `tlsCert`; default `TROUPE_NATS_TLS_KEY`. */
    tlsKey: z.string().min(1).optional(),
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

type CredentialOption = 'user' | 'pass' | 'token' | 'nkeySeed' | 'credsFile' | 'tlsCa' | 'tlsCert' | 'tlsKey';

export type ResolvedConnectOptions = Omit<
  z.output<typeof ConnectOptionsSchema>,
  'servers' | CredentialOption
> & {
  servers: string[];
  credentials: NatsCredentials;
  /** Set when the connection uses TLS: files given, or a `tls://` server. */
  tls: NatsTlsFiles | undefined;
};

/** Where a setting came from, for messages that name it: an option of connect(), or a variable. */
type Source = { option: CredentialOption } | { env: NatsEnv };

const named = (source: Source): string => ('option' in source ? `option "${source.option}"` : source.env);

function invalid(message: string, source: Source, cause?: unknown): BusError {
  return new BusError(BusErrorCode.InvalidOptions, `connect(): ${message}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { ...source },
  });
}

/** The variable's value, or undefined when unset or blank. */
function fromEnv(env: NodeJS.ProcessEnv, name: NatsEnv): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

interface CredentialSettings {
  user?: string | undefined;
  pass?: string | undefined;
  token?: string | undefined;
  nkeySeed?: string | undefined;
  credsFile?: string | undefined;
}

const SOURCES = {
  options: {
    user: { option: 'user' },
    pass: { option: 'pass' },
    token: { option: 'token' },
    nkeySeed: { option: 'nkeySeed' },
    credsFile: { option: 'credsFile' },
  },
  env: {
    user: { env: NatsEnv.User },
    pass: { env: NatsEnv.Password },
    token: { env: NatsEnv.Token },
    nkeySeed: { env: NatsEnv.Nkey },
    credsFile: { env: NatsEnv.Creds },
  },
} as const satisfies Record<string, Record<keyof CredentialSettings, Source>>;

/** One kind of credentials out of `settings`, or a conflict naming the two kinds. */
function credentialsOf(
  settings: CredentialSettings,
  from: keyof typeof SOURCES,
  fallbackPass: string | undefined,
): NatsCredentials {
  const sources = SOURCES[from];
  const given: Array<keyof CredentialSettings> = [];
  if (settings.user !== undefined || settings.pass !== undefined) given.push(settings.user ? 'user' : 'pass');
  if (settings.token !== undefined) given.push('token');
  if (settings.nkeySeed !== undefined) given.push('nkeySeed');
  if (settings.credsFile !== undefined) given.push('credsFile');
  if (given.length > 1) {
    const [a, b] = given.map((k) => named(sources[k]));
    throw invalid(`${a} and ${b} are two kinds of credentials: give one`, sources[given[0]!]);
  }
  const kind: keyof CredentialSettings | undefined = given[0];
  switch (kind) {
    case undefined:
      return { kind: 'none' };
    case 'user':
    case 'pass':
      if (settings.user === undefined) {
        throw invalid(`${named(sources.pass)} needs ${named(sources.user)} too`, sources.pass);
      }
      return { kind: 'user', user: settings.user, pass: settings.pass ?? fallbackPass ?? '' };
    case 'token':
      return { kind: 'token', token: settings.token! };
    case 'nkeySeed':
      if (!NKEY_SEED.test(settings.nkeySeed!)) {
        throw invalid(
          `${named(sources.nkeySeed)} is not an NKey user seed (it starts with "SU")`,
          sources.nkeySeed,
        );
      }
      return { kind: 'nkey', seed: settings.nkeySeed! };
    case 'credsFile':
      return { kind: 'creds', file: settings.credsFile! };
  }
}

function checkReadable(path: string, source: Source): void {
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    throw invalid(
      `${named(source)} (${path}) cannot be read: ${(err as NodeJS.ErrnoException).code ?? err}`,
      source,
      err,
    );
  }
}

/**
 * Normalise (env defaults), then validate, failing with a message that names the option or variable.
 * Credentials given as options replace the environment's altogether (a flag wins over a variable); the files
 * named (creds, TLS) must be readable.
 */
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
  const { user, pass, token, nkeySeed, credsFile, tlsCa, tlsCert, tlsKey, ...value } = parsed.data;
  const rawServers = value.servers ?? fromEnv(env, NatsEnv.Servers) ?? 'nats://127.0.0.1:4222';
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

  // Every variable is read, whichever wins: the docs test watches what is read.
  const envSettings: CredentialSettings = {
    user: fromEnv(env, NatsEnv.User),
    pass: env[NatsEnv.Password] || undefined,
    token: fromEnv(env, NatsEnv.Token),
    nkeySeed: fromEnv(env, NatsEnv.Nkey),
    credsFile: fromEnv(env, NatsEnv.Creds),
  };
  const envTls = {
    ca: fromEnv(env, NatsEnv.TlsCa),
    cert: fromEnv(env, NatsEnv.TlsCert),
    key: fromEnv(env, NatsEnv.TlsKey),
  };
  const optionSettings: CredentialSettings = { user, pass, token, nkeySeed, credsFile };
  const fromOptions = Object.values(optionSettings).some((v) => v !== undefined);
  const credentials = fromOptions
    ? credentialsOf(optionSettings, 'options', user !== undefined ? envSettings.pass : undefined)
    : credentialsOf(envSettings, 'env', undefined);
  if (credentials.kind === 'creds') {
    checkReadable(credentials.file, fromOptions ? SOURCES.options.credsFile : SOURCES.env.credsFile);
  }

  const ca = tlsCa
    ? { path: tlsCa, source: { option: 'tlsCa' } as Source }
    : envTls.ca
      ? { path: envTls.ca, source: { env: NatsEnv.TlsCa } as Source }
      : undefined;
  // A client certificate and its key go together: both from the options, or both from the environment.
  const pairFromOptions = tlsCert !== undefined || tlsKey !== undefined;
  const cert = pairFromOptions ? tlsCert : envTls.cert;
  const key = pairFromOptions ? tlsKey : envTls.key;
  const certSource: Source = pairFromOptions ? { option: 'tlsCert' } : { env: NatsEnv.TlsCert };
  const keySource: Source = pairFromOptions ? { option: 'tlsKey' } : { env: NatsEnv.TlsKey };
  if (cert !== undefined && key === undefined) {
    throw invalid(
      `${named(certSource)} needs ${named(keySource)} too (a client certificate goes with its key)`,
      keySource,
    );
  }
  if (key !== undefined && cert === undefined) {
    throw invalid(
      `${named(keySource)} needs ${named(certSource)} too (a key goes with its client certificate)`,
      certSource,
    );
  }
  if (ca) checkReadable(ca.path, ca.source);
  if (cert !== undefined) checkReadable(cert, certSource);
  if (key !== undefined) checkReadable(key, keySource);
  const wantsTls = ca !== undefined || cert !== undefined || servers.some((s) => s.startsWith('tls://'));
  const tls: NatsTlsFiles | undefined = wantsTls
    ? {
        ...(ca ? { caFile: ca.path } : {}),
        ...(cert !== undefined ? { certFile: cert } : {}),
        ...(key !== undefined ? { keyFile: key } : {}),
      }
    : undefined;

  const inboxPrefix = value.inboxPrefix ?? fromEnv(env, NatsEnv.InboxPrefix);
  return { ...value, servers, credentials, tls, ...(inboxPrefix ? { inboxPrefix } : {}) };
}

export function readCredsFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new BusError(BusErrorCode.InvalidOptions, `connect(): the creds file (${path}) cannot be read`, {
      cause: err,
      details: { option: 'credsFile' },
    });
  }
}
