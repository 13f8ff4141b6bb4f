import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CliError, CliErrorCode } from '../errors.js';
import type { Printer } from '../io.js';
import { renderServerConfig } from '../nats-config/server-config.js';

export interface NatsConfigCommandOptions {
  out: string;
  nodes: number;
  hosts: readonly string[];
  /** Every agent role: the built-in ones, the project file's and `--roles`. */
  roles: readonly string[];
  port?: number;
  clusterPort?: number;
  monitorPort?: number;
  storeDir?: string;
  /** Write over an earlier configuration (new passwords). */
  force?: boolean;
}

/**
 * `troupe nats-config`: writes a nats-server configuration per node, the Troupe account with one
 * least-privilege user per process kind and agent role, and an env file per user.
 */
export function natsConfigCommand(options: NatsConfigCommandOptions, printer: Printer): number {
  const out = resolve(options.out);
  if (options.hosts.length !== 1 && options.hosts.length !== options.nodes) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      `--host names ${options.hosts.length} hosts for ${options.nodes} nodes: give one host, or one per node`,
    );
  }
  if (existsSync(join(out, 'accounts.conf')) && !options.force) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      `${out} already holds a configuration; pass --force to write a new one (with new passwords)`,
    );
  }
  const files = renderServerConfig({
    nodes: options.nodes,
    hosts: options.hosts,
    roles: options.roles,
    storeDir: options.storeDir ?? join(out, 'data'),
    ...(options.port !== undefined ? { clientPort: options.port } : {}),
    ...(options.clusterPort !== undefined ? { clusterPort: options.clusterPort } : {}),
    ...(options.monitorPort !== undefined ? { monitorPort: options.monitorPort } : {}),
  });
  for (const file of files) {
    const path = join(out, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.text, file.secret ? { mode: 0o600 } : {});
    if (file.secret) chmodSync(path, 0o600);
  }
  const nodes = files.filter((f) => f.path.endsWith('.conf') && f.path !== 'accounts.conf');
  const users = files.filter((f) => f.path.startsWith('users/'));
  if (printer.jsonMode) {
    printer.json({
      out,
      nodes: nodes.map((f) => join(out, f.path)),
      accounts: join(out, 'accounts.conf'),
      users: users.map((f) => join(out, f.path)),
    });
    return 0;
  }
  printer.out(`wrote ${files.length} files to ${out}`);
  for (const f of nodes) printer.out(`  nats-server -c ${join(out, f.path)}`);
  printer.out(`users (${users.length}), one env file each in ${join(out, 'users')}:`);
  for (const f of users) printer.out(`  ${f.path}`);
  printer.out('then, as the provisioner: troupe provision (with users/provisioner.env loaded)');
  return 0;
}
