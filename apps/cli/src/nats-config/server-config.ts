import { randomBytes } from 'node:crypto';
import { inboxPrefixOf, permissionsFor, principalsFor, userNameOf, type Principal } from '@troupe/bus';

export interface ServerConfigOptions {
  /** Nodes of the cluster; 1 writes a single server without a cluster block. */
  nodes: number;
  /** Each node's host, or one host for every node (then each node gets its own ports). */
  hosts: readonly string[];
  /** Agent roles: one user each. */
  roles: readonly string[];
  clientPort?: number;
  clusterPort?: number;
  /** The HTTP monitoring port (`/healthz`, `/jsz`); none unless given. */
  monitorPort?: number;
  /** Where each node keeps its JetStream files; `<storeDir>/<server name>`. */
  storeDir?: string;
  /** Passwords; random (24 bytes, base64url) by default. */
  password?: (user: string) => string;
}

export interface RenderedFile {
  /** Path relative to the output folder. */
  path: string;
  text: string;
  /** Credentials: written readable by the owner only. */
  secret?: boolean;
}

export interface NodeAddress {
  name: string;
  host: string;
  clientPort: number;
  clusterPort: number;
  monitorPort: number | undefined;
}

/** The cluster's nodes: on one host each gets the next ports; on several hosts each uses the base ports. */
export function nodeAddresses(options: ServerConfigOptions): NodeAddress[] {
  const clientPort = options.clientPort ?? 4222;
  const clusterPort = options.clusterPort ?? 6222;
  const monitorPort = options.monitorPort;
  const oneHost = options.hosts.length === 1;
  return Array.from({ length: options.nodes }, (_, i) => ({
    name: `troupe-${i + 1}`,
    host: options.hosts[oneHost ? 0 : i]!,
    clientPort: oneHost ? clientPort + i : clientPort,
    clusterPort: oneHost ? clusterPort + i : clusterPort,
    monitorPort: monitorPort === undefined || !oneHost ? monitorPort : monitorPort + i,
  }));
}

const q = (s: string) => JSON.stringify(s);
const list = (items: readonly string[], indent: string) =>
  items.length === 0 ? '[]' : `[\n${items.map((i) => `${indent}  ${q(i)}`).join('\n')}\n${indent}]`;

const SYNC_INTERVAL_NOTE = `  # Power-failure durability. A file stream's writes sit in the operating system's page cache until
  # JetStream fsyncs them, every sync_interval (default 2 minutes). A crash of nats-server loses nothing
  # (the kernel still writes the cache out); an OS crash or power failure of one node loses its unsynced
  # tail, which a replicated stream (R3) recovers from the other nodes. A power failure of every node at
  # once (one rack, one feed) can lose messages already acknowledged in the last interval. Where that
  # matters, fsync every write with "sync_interval: always" (lower throughput) or a shorter interval.
  # nats-server 2.10 and later accept the field here; 2.9 refuses it, so it is written commented out:
  # sync_interval: always`;

function nodeConfig(node: NodeAddress, all: NodeAddress[], storeDir: string): string {
  const routes = all.filter((n) => n !== node).map((n) => `nats-route://${n.host}:${n.clusterPort}`);
  const cluster =
    all.length > 1
      ? `
cluster {
  name: troupe
  listen: ${q(`${node.host}:${node.clusterPort}`)}
  routes: ${list(routes, '  ')}
}
`
      : '';
  return `# nats-server configuration for Troupe, node ${node.name} (written by \`troupe nats-config\`).
# Start: nats-server -c ${node.name}.conf
server_name: ${node.name}
listen: ${q(`${node.host}:${node.clientPort}`)}
${
  node.monitorPort === undefined
    ? ''
    : `# Monitoring: /healthz, /jsz (JetStream: leaders, replicas current), /connz. Keep it off public networks.
http: ${q(`${node.host}:${node.monitorPort}`)}
`
}
jetstream {
  store_dir: ${q(`${storeDir}/${node.name}`)}
${SYNC_INTERVAL_NOTE}
}
${cluster}
include "accounts.conf"
`;
}

function userBlock(principal: Principal, password: string): string {
  const p = permissionsFor(principal);
  const rules = (r: { allow: string[]; deny: string[] }, indent: string) =>
    `{\n${indent}  allow: ${list(r.allow, `${indent}  `)}${r.deny.length > 0 ? `\n${indent}  deny: ${list(r.deny, `${indent}  `)}` : ''}\n${indent}}`;
  return `      {
        user: ${q(userNameOf(principal))}
        password: ${q(password)}
        permissions: {
          publish: ${rules(p.publish, '          ')}
          subscribe: ${rules(p.subscribe, '          ')}${p.allowResponses ? '\n          allow_responses: true' : ''}
        }
      }`;
}

/**
 * Every file `troupe nats-config` writes: one configuration per node, the account with its users (shared by
 * the nodes), and per user an env file with what a process needs to connect as that user.
 */
export function renderServerConfig(options: ServerConfigOptions): RenderedFile[] {
  const nodes = nodeAddresses(options);
  const storeDir = options.storeDir ?? './data';
  const password = options.password ?? (() => randomBytes(24).toString('base64url'));
  const principals = principalsFor(options.roles);
  const users = principals.map((p) => ({
    principal: p,
    name: userNameOf(p),
    password: password(userNameOf(p)),
  }));
  const accounts = `# Troupe's account and its users, one per process kind and per agent role (written by
# \`troupe nats-config\`; the permissions come from @troupe/bus permissions.ts). Keep this file private.
accounts {
  TROUPE {
    jetstream: enabled
    users: [
${users.map((u) => userBlock(u.principal, u.password)).join('\n')}
    ]
  }
}
`;
  const urls = nodes.map((n) => `nats://${n.host}:${n.clientPort}`).join(',');
  const envFiles = users.map((u) => ({
    path: `users/${u.name}.env`,
    secret: true,
    text: `# Connect as ${u.name}: source this file, or pass its values as flags.
NATS_URL=${urls}
TROUPE_NATS_USER=${u.name}
TROUPE_NATS_PASSWORD=${u.password}
TROUPE_NATS_INBOX_PREFIX=${inboxPrefixOf(u.principal)}
`,
  }));
  return [
    ...nodes.map((n) => ({ path: `${n.name}.conf`, text: nodeConfig(n, nodes, storeDir) })),
    { path: 'accounts.conf', text: accounts, secret: true },
    ...envFiles,
  ];
}
