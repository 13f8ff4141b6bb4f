import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../free-port.js';
import { createNetnsBridge } from './netns.js';

const CANDIDATES = [
  'nats-server',
  '/usr/sbin/nats-server',
  '/usr/bin/nats-server',
  '/usr/local/bin/nats-server',
];

/** Where `command -v` finds `name` on PATH, if anywhere. */
function commandPath(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = found.stdout?.trim();
  return found.status === 0 && path ? path : undefined;
}

/** Finds the nats-server binary, or fails with the package to install. */
export function findNatsServerBinary(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['NATS_SERVER_BIN'];
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  for (const candidate of CANDIDATES) {
    if (candidate.includes('/')) {
      if (existsSync(candidate)) return candidate;
    } else {
      const path = commandPath(candidate);
      if (path) return path;
    }
  }
  throw new Error(
    'nats-server not found on PATH (nor /usr/sbin/nats-server): install it with `apt-get install -y nats-server` ' +
      '(Debian/Ubuntu), `brew install nats-server` (macOS), or set NATS_SERVER_BIN to its path.',
  );
}

let setpriv: string | null | undefined;

/**
 * The command run under util-linux's `setpriv --pdeathsig KILL`, where the machine has it: the kernel kills
 * the server when the process that started it dies, even by SIGKILL (a test runner's worker killed at a
 * timeout), so no server outlives its test. setpriv execs in place, so the child's pid stays the server's.
 */
function withParentDeathSignal([command, args]: [string, string[]]): [string, string[]] {
  if (process.platform !== 'linux') return [command, args];
  if (setpriv === undefined) setpriv = commandPath('setpriv') ?? null;
  return setpriv ? [setpriv, ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, args];
}

export interface NatsServerOptions {
  /** Extra lines of nats-server configuration. */
  config?: string;
  /** Cluster membership, set by startNatsCluster: routes as ports on `host`, or `host:port`. */
  cluster?: { name: string; port: number; routes: Array<number | string>; serverName: string };
  /**
   * A whole configuration to run instead (one `troupe nats-config` wrote); `port` must be the port it
   * listens on. Only the monitoring port is added (`-m`); the other options do not apply.
   */
  configFile?: string;
  /** The address to listen on (with `configFile`: the one it listens on); 127.0.0.1 by default. */
  host?: string;
  /** A network namespace to run the server in (`ip netns exec`), from createNetnsBridge. */
  netns?: string;
  storeDir?: string;
  port?: number;
  monitorPort?: number;
  /** Largest payload the server accepts, in bytes. */
  maxPayload?: number;
}

export interface NatsServer extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  readonly name: string;
  readonly pid: number | undefined;
  /** The HTTP monitoring endpoint (`/healthz`, `/jsz`, `/connz`, ...). */
  readonly monitorUrl: string;
  /** Graceful stop (SIGTERM), waiting for exit. */
  stop(): Promise<void>;
  /** SIGKILL, waiting for exit. */
  kill(): Promise<void>;
  /** Starts again on the same port and store. */
  restart(): Promise<void>;
  /** Resolves once the server's log since its last start matches `pattern`. */
  waitForLog(pattern: RegExp): Promise<void>;
  /** The server's log since its last start (the last 20,000 characters). */
  log(): string;
  readonly running: boolean;
}

/**
 * Resolves once the server's log (since its last start) matches `pattern`; fails when the process exits
 * first. Readiness is read from the log nats-server writes, not polled.
 */
function waitForLog(
  proc: ChildProcess,
  logs: () => string,
  pattern: RegExp,
  onOutput: (listener: () => void) => () => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      off();
      proc.off('exit', exited);
    };
    const check = () => {
      if (!pattern.test(logs())) return;
      done();
      resolve();
    };
    const exited = (code: number | null) => {
      done();
      reject(new Error(`nats-server exited (${code}) before its log showed ${pattern}:\n${logs()}`));
    };
    const off = onOutput(check);
    proc.once('exit', exited);
    check();
  });
}

/** Starts a real nats-server with JetStream on random ports and a temporary store. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const bin = findNatsServerBinary();
  const ownsStore = !options.storeDir;
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'troupe-nats-'));
  const port = options.port ?? (await freePort());
  const monitorPort = options.monitorPort ?? (await freePort());
  const name = options.cluster?.serverName ?? `troupe-${port}`;
  const configPath = join(storeDir, `${name}.conf`);
  const host = options.host ?? '127.0.0.1';
  const lines = [
    `server_name: ${name}`,
    `listen: ${host}:${port}`,
    `http: ${host}:${monitorPort}`,
    `jetstream { store_dir: "${join(storeDir, name)}" }`,
    options.maxPayload ? `max_payload: ${options.maxPayload}` : '',
  ];
  if (options.cluster) {
    const c = options.cluster;
    lines.push(
      `cluster { name: ${c.name}, listen: ${host}:${c.port}, routes: [${c.routes
        .map((r) => `nats-route://${typeof r === 'number' ? `${host}:${r}` : r}`)
        .join(', ')}] }`,
    );
  }
  if (options.config) lines.push(options.config);
  if (!options.configFile) writeFileSync(configPath, lines.filter(Boolean).join('\n') + '\n');
  const serverArgs = options.configFile
    ? ['-c', options.configFile, '-m', String(monitorPort)]
    : ['-c', configPath];

  let child: ChildProcess | undefined;
  let output = '';
  const listeners = new Set<() => void>();
  const onOutput = (listener: () => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  const waitForServerLog = (pattern: RegExp) => {
    if (!child) return Promise.reject(new Error(`nats-server ${name} is not running`));
    return waitForLog(child, () => output, pattern, onOutput);
  };
  const launch = async () => {
    output = '';
    // `ip netns exec` execs the server in place: the child's pid is the server's, for kill().
    const [command, args] = withParentDeathSignal(
      options.netns ? ['ip', ['netns', 'exec', options.netns, bin, ...serverArgs]] : [bin, serverArgs],
    );
    const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      for (const listener of [...listeners]) listener();
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    // JetStream (and the recovery of its store) is up before the server logs that it is ready; a clustered
    // node's JetStream waits for a quorum, which startNatsCluster awaits.
    await waitForServerLog(/Server is ready/);
    if (!options.cluster) {
      const res = await fetch(`http://${host}:${monitorPort}/healthz?js-enabled-only=true`);
      if (!res.ok) throw new Error(`nats-server is ready but not healthy: ${res.status} ${await res.text()}`);
    }
  };
  const exit = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });

  await launch();
  let disposed = false;
  const server: NatsServer = {
    url: `nats://${host}:${port}`,
    port,
    monitorUrl: `http://${host}:${monitorPort}`,
    storeDir,
    name,
    get pid() {
      return child?.pid;
    },
    get running() {
      return !!child && child.exitCode === null && child.signalCode === null;
    },
    waitForLog: waitForServerLog,
    log: () => output,
    stop: () => exit('SIGTERM'),
    kill: () => exit('SIGKILL'),
    async restart() {
      await exit('SIGTERM');
      await launch();
    },
    async [Symbol.asyncDispose]() {
      if (disposed) return;
      disposed = true;
      await exit('SIGKILL');
      if (ownsStore) rmSync(storeDir, { recursive: true, force: true });
    },
  };
  return server;
}

export interface NatsCluster extends AsyncDisposable {
  readonly servers: readonly NatsServer[];
  /** Every node's client URL, comma-separated, as NATS_URL takes it. */
  readonly urls: string;
}

/**
 * Starts the nodes of a cluster from configuration files (`troupe nats-config` wrote them) and waits until
 * JetStream has a quorum. Each node's `port` and `host` must be the ones its file listens on.
 */
export async function startNatsClusterFromFiles(
  nodes: ReadonlyArray<{ configFile: string; port: number; host: string; storeDir: string }>,
): Promise<NatsCluster> {
  return formCluster(await Promise.allSettled(nodes.map((n) => startNatsServer(n))));
}

/**
 * Starts a JetStream cluster of `size` nodes (3 by default) with routes on random ports; with `netns`, each
 * node in a network namespace of its own (createNetnsBridge), reached over a veth pair.
 */
export async function startNatsCluster(size = 3, options: { netns?: boolean } = {}): Promise<NatsCluster> {
  const storeDir = mkdtempSync(join(tmpdir(), 'troupe-nats-cluster-'));
  const bridge = options.netns ? createNetnsBridge(size) : undefined;
  const hostOf = (i: number) => bridge?.namespaces[i]!.ip ?? '127.0.0.1';
  const clusterPorts: number[] = [];
  for (let i = 0; i < size; i++) clusterPorts.push(await freePort());
  const name = `troupe-test-${clusterPorts[0]}`;
  const started = await Promise.allSettled(
    clusterPorts.map((port, i) =>
      startNatsServer({
        storeDir,
        host: hostOf(i),
        ...(bridge ? { netns: bridge.namespaces[i]!.name } : {}),
        cluster: {
          name,
          port,
          routes: clusterPorts.flatMap((p, j) => (j === i ? [] : [`${hostOf(j)}:${p}`])),
          serverName: `n${i + 1}`,
        },
      }),
    ),
  );
  return formCluster(started, () => {
    rmSync(storeDir, { recursive: true, force: true });
    bridge?.dispose();
  });
}

/**
 * The cluster of the nodes that started, once JetStream has a quorum. Nodes that started do not outlive a
 * cluster that never formed: they are stopped and `cleanUp` runs, as on dispose.
 */
async function formCluster(
  started: ReadonlyArray<PromiseSettledResult<NatsServer>>,
  cleanUp: () => void = () => undefined,
): Promise<NatsCluster> {
  const servers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const dispose = async () => {
    await Promise.all(servers.map((s) => s[Symbol.asyncDispose]()));
    cleanUp();
  };
  try {
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    await waitForJetStreamQuorum(servers);
  } catch (err) {
    await dispose();
    throw err;
  }
  return { servers, urls: servers.map((s) => s.url).join(','), [Symbol.asyncDispose]: dispose };
}

/**
 * A cluster is usable once a JetStream metadata leader is elected and it counts every other node as a
 * current peer: until then a stream with a replica per node fails with "no suitable peers for placement".
 * The election is read from the log; the peers, which no log line announces, from the leader's `/jsz`.
 */
async function waitForJetStreamQuorum(servers: readonly NatsServer[]): Promise<void> {
  await Promise.any(
    servers.map((s) =>
      s.waitForLog(/JetStream cluster new metadata leader|Self is new JetStream cluster metadata leader/),
    ),
  );
  const deadline = Date.now() + 30_000;
  while (!(await Promise.all(servers.map((s) => leadsAllPeers(s, servers.length)))).some(Boolean)) {
    if (Date.now() > deadline)
      throw new Error(`the ${servers.length} nodes did not all join JetStream in 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function leadsAllPeers(server: NatsServer, size: number): Promise<boolean> {
  const res = await fetch(`${server.monitorUrl}/jsz`).catch(() => undefined);
  if (!res?.ok) return false;
  const { meta_cluster: meta } = (await res.json()) as {
    meta_cluster?: { leader?: string; replicas?: Array<{ current?: boolean }> };
  };
  const peers = meta?.replicas ?? [];
  return peers.length === size - 1 && peers.every((p) => p.current === true);
}
