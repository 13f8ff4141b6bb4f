import { readFileSync } from 'node:fs';
import {
  connectionEnv,
  isBusError,
  NatsEnv,
  resolveConnectOptions,
  type ConnectOptions,
  type ResolvedConnectOptions,
} from '@troupe/bus';
import { Option, type Command } from 'commander';
import { CliError, CliErrorCode } from './errors.js';
import { parseNatsUrl } from './options.js';

/** The flags every process that connects to NATS takes (commander's camel-cased names). */
export interface ConnectionFlags {
  nats?: string;
  creds?: string;
  nkey?: string;
  user?: string;
  password?: string;
  token?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/** The flag that sets each option of the bus's connect(), for messages that name what the user typed. */
const FLAG_OF: Readonly<Record<string, string>> = {
  servers: '--nats',
  credsFile: '--creds',
  nkeySeed: '--nkey',
  user: '--user',
  pass: '--password',
  token: '--token',
  tlsCa: '--tls-ca',
  tlsCert: '--tls-cert',
  tlsKey: '--tls-key',
};

/**
 * Adds the connection flags to `command`: servers, one kind of credentials, TLS. Each falls back on its
 * environment variable (`NatsEnv`); a credential flag replaces the environment's credentials altogether.
 */
export function addConnectionOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--nats <urls>',
        `NATS server(s), comma-separated (default: ${NatsEnv.Servers}, else nats://127.0.0.1:4222)`,
      ).argParser(parseNatsUrl),
    )
    .addOption(new Option('--creds <file>', `a NATS .creds file (default: ${NatsEnv.Creds})`))
    .addOption(
      new Option(
        '--nkey <seed-file>',
        `a file holding an NKey user seed (default: the seed in ${NatsEnv.Nkey})`,
      ),
    )
    .addOption(new Option('--user <name>', `NATS user (default: ${NatsEnv.User})`))
    .addOption(
      new Option(
        '--password <password>',
        `NATS password; better in the environment, out of the process list (default: ${NatsEnv.Password})`,
      ),
    )
    .addOption(
      new Option(
        '--token <token>',
        `NATS token; better in the environment, out of the process list (default: ${NatsEnv.Token})`,
      ),
    )
    .addOption(
      new Option(
        '--tls-ca <file>',
        `CA (PEM) the servers' certificates are checked against (default: ${NatsEnv.TlsCa})`,
      ),
    )
    .addOption(
      new Option(
        '--tls-cert <file>',
        `client certificate (PEM), with --tls-key (default: ${NatsEnv.TlsCert})`,
      ),
    )
    .addOption(new Option('--tls-key <file>', `client certificate's key (PEM) (default: ${NatsEnv.TlsKey})`));
}

function readSeed(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      `--nkey ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { cause: err },
    );
  }
}

/** The options of the bus's connect() the flags give; what they leave out, connect() takes from the environment. */
export function connectOptionsOf(flags: ConnectionFlags): ConnectOptions {
  return {
    ...(flags.nats !== undefined ? { servers: flags.nats } : {}),
    ...(flags.creds !== undefined ? { credsFile: flags.creds } : {}),
    ...(flags.nkey !== undefined ? { nkeySeed: readSeed(flags.nkey) } : {}),
    ...(flags.user !== undefined ? { user: flags.user } : {}),
    ...(flags.password !== undefined ? { pass: flags.password } : {}),
    ...(flags.token !== undefined ? { token: flags.token } : {}),
    ...(flags.tlsCa !== undefined ? { tlsCa: flags.tlsCa } : {}),
    ...(flags.tlsCert !== undefined ? { tlsCert: flags.tlsCert } : {}),
    ...(flags.tlsKey !== undefined ? { tlsKey: flags.tlsKey } : {}),
  };
}

const CONNECTION_FLAGS = [
  'nats',
  'creds',
  'nkey',
  'user',
  'password',
  'token',
  'tlsCa',
  'tlsCert',
  'tlsKey',
] as const satisfies ReadonlyArray<keyof ConnectionFlags>;

/** The connection flags among a command's parsed flags. */
export function connectionFlagsOf(flags: ConnectionFlags): ConnectionFlags {
  const out: ConnectionFlags = {};
  for (const name of CONNECTION_FLAGS) if (flags[name] !== undefined) out[name] = flags[name];
  return out;
}

/** True when any connection flag was given. */
export const hasConnectionFlags = (flags: ConnectionFlags): boolean =>
  CONNECTION_FLAGS.some((name) => flags[name] !== undefined);

/**
 * The connection the flags and `env` describe, checked before anything connects or starts: a mistake fails
 * once, here, with a message that names the flag (or the variable) at fault.
 */
export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv): ResolvedConnectOptions {
  try {
    return resolveConnectOptions(connectOptionsOf(flags), env);
  } catch (err) {
    if (!isBusError(err, 'INVALID_OPTIONS')) throw err;
    const message = err.message
      .replace(/^connect\(\): /, '')
      .replace(/option "(\w+)"/g, (whole, option: string) => FLAG_OF[option] ?? whole);
    throw new CliError(CliErrorCode.InvalidArgument, message, { cause: err });
  }
}

/** connect() options that connect as `resolved` says, whatever the environment of this process holds. */
export function connectOptionsFromResolved(resolved: ResolvedConnectOptions): ConnectOptions {
  const c = resolved.credentials;
  const tls = resolved.tls ?? {};
  return {
    servers: resolved.servers,
    ...(c.kind === 'creds' ? { credsFile: c.file } : {}),
    ...(c.kind === 'nkey' ? { nkeySeed: c.seed } : {}),
    ...(c.kind === 'user' ? { user: c.user, pass: c.pass } : {}),
    ...(c.kind === 'token' ? { token: c.token } : {}),
    ...(tls.caFile ? { tlsCa: tls.caFile } : {}),
    ...(tls.certFile ? { tlsCert: tls.certFile } : {}),
    ...(tls.keyFile ? { tlsKey: tls.keyFile } : {}),
  };
}

/** The options for the bus's connect(), checked first (`resolveConnection`). */
export function connectOptionsFor(flags: ConnectionFlags, env: NodeJS.ProcessEnv): ConnectOptions {
  resolveConnection(flags, env);
  return connectOptionsOf(flags);
}

/** The environment for a child process that connects as the flags and `env` say (`up` hands it to its processes). */
export function childConnectionEnv(flags: ConnectionFlags, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return connectionEnv(resolveConnection(flags, env), env);
}
