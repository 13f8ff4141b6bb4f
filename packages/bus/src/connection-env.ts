/**
 * The environment variables every Troupe process reads to reach NATS: servers, one kind of credentials, TLS.
 * Deployments put them in an environment file (systemd `EnvironmentFile=`), so secrets stay off command lines.
 */
export const NatsEnv = {
  Servers: 'NATS_URL',
  Creds: 'TROUPE_NATS_CREDS',
  Nkey: 'TROUPE_NATS_NKEY',
  User: 'TROUPE_NATS_USER',
  Password: 'TROUPE_NATS_PASSWORD',
  Token: 'TROUPE_NATS_TOKEN',
  TlsCa: 'TROUPE_NATS_TLS_CA',
  TlsCert: 'TROUPE_NATS_TLS_CERT',
  TlsKey: 'TROUPE_NATS_TLS_KEY',
  /** The prefix of this user's reply subjects, which a least-privilege user may subscribe to (permissions.ts). */
  InboxPrefix: 'TROUPE_NATS_INBOX_PREFIX',
} as const;
export type NatsEnv = (typeof NatsEnv)[keyof typeof NatsEnv];

/** The credentials a connection presents: none, or exactly one kind. */
export type NatsCredentials =
  | { kind: 'none' }
  | { kind: 'creds'; file: string }
  | { kind: 'nkey'; seed: string }
  | { kind: 'user'; user: string; pass: string }
  | { kind: 'token'; token: string };

/** Files for a TLS connection: the CA that signed the servers' certificates, and a client certificate. */
export interface NatsTlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/**
 * The environment a child process needs to connect as this one does: every variable of `NatsEnv` is set or
 * removed, so nothing of the parent's own environment (another kind of credentials) leaks into the child.
 */
export function connectionEnv(
  connection: {
    servers: readonly string[];
    credentials: NatsCredentials;
    tls?: NatsTlsFiles | undefined;
    inboxPrefix?: string | undefined;
  },
  base: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of Object.values(NatsEnv)) delete env[name];
  env[NatsEnv.Servers] = connection.servers.join(',');
  const c = connection.credentials;
  switch (c.kind) {
    case 'none':
      break;
    case 'creds':
      env[NatsEnv.Creds] = c.file;
      break;
    case 'nkey':
      env[NatsEnv.Nkey] = c.seed;
      break;
    case 'user':
      env[NatsEnv.User] = c.user;
      env[NatsEnv.Password] = c.pass;
      break;
    case 'token':
      env[NatsEnv.Token] = c.token;
      break;
  }
  const tls = connection.tls;
  if (tls?.caFile) env[NatsEnv.TlsCa] = tls.caFile;
  if (tls?.certFile) env[NatsEnv.TlsCert] = tls.certFile;
  if (tls?.keyFile) env[NatsEnv.TlsKey] = tls.keyFile;
  if (connection.inboxPrefix) env[NatsEnv.InboxPrefix] = connection.inboxPrefix;
  return env;
}
