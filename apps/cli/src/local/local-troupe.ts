import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { connect, connectionEnv, NatsEnv, type ResolvedConnectOptions } from '@troupe/bus';
import {
  connectOptionsFromResolved,
  hasConnectionFlags,
  resolveConnection,
  type ConnectionFlags,
} from '../connection-options.js';
import { CliError, CliErrorCode } from '../errors.js';
import type { ProcessReport } from '../process/lifecycle.js';
import type { AgentLayout } from './agent-layout.js';
import { portInUse } from './free-port.js';
import { spawnManagedChild, type ManagedChild } from './managed-child.js';
import { startLocalNatsServer, type LocalNatsServer } from './nats-server.js';
import { isAlive, removeFile } from './pid-file.js';
import { loadProject } from '../project/load-project.js';

/**
 * The agent processes of a local troupe for the built-in roles: one per role, except the assistant, which shares
 * the reviewer's process (the `report` workflow never uses it, so a process of its own would mostly idle). Each
 * role of the project file gets a process of its own besides.
 */
export const AGENT_PROCESSES: ReadonlyArray<readonly string[]> = [
  ['planner'],
  ['researcher'],
  ['analyst'],
  ['drafter'],
  ['reviewer', 'assistant'],
];

export const STOP_TIMEOUTS = {
  apiMs: 10_000,
  agentsMs: 30_000,
  supervisorMs: 10_000,
  natsMs: 10_000,
} as const;

export interface LocalTroupeOptions {
  /** State folder: JetStream under `nats/`, logs under `logs/`, `up.json` while running. */
  dir: string;
  /** API port; 0 picks a free one. */
  port: number;
  /** Client port of the embedded nats-server; default a free one. */
  natsPort?: number;
  /** Steps one agent process runs at once. */
  concurrency?: number;
  /**
   * How the roles are spread over agent processes: `per-role` (`AGENT_PROCESSES`, the default) or `one`
   * process for every role, which costs less CPU per task on a machine with few cores (docs/benchmarks.md, 3b).
   */
  agents?: AgentLayout;
  /** Variables the children get (the NATS ones are set for them: `NatsEnv`); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * Attach to a NATS server or cluster of yours instead of starting one: servers (`nats`, else `NATS_URL` of
   * `env`), credentials and TLS files, as `troupe up` takes them; what is not given comes from `env`.
   */
  connection?: ConnectionFlags;
  /**
   * The project file (or its folder); default `TROUPE_CONFIG` of `env`, else a troupe.config.ts found upward from
   * the working directory. Every process loads it, and each of its roles gets an agent process.
   */
  config?: string;
  /** Notes for the user: startup progress, restarts, the stop sequence. */
  onNote?: (line: string) => void;
  /** How long every process has to report ready. Default 120 s. */
  readyTimeoutMs?: number;
  /** Aborting while starting stops what started and fails with "interrupted". */
  signal?: AbortSignal;
}

/** One process of the troupe, as `up` shows it. */
export interface LocalProcess {
  kind: 'nats-server' | 'supervisor' | 'agent' | 'api';
  /** `planner`, `reviewer+assistant`, ... for agents. */
  name: string;
  pid: number;
  /** What it serves, in a few words. */
  detail: string;
  logFile: string;
  report?: ProcessReport;
}

export interface LocalTroupe {
  readonly dir: string;
  readonly natsUrl: string;
  /** False when attached to a server of the user's (`--nats` or `NATS_URL`). */
  readonly ownsNats: boolean;
  readonly apiUrl: string;
  readonly logDir: string;
  /** The project file every process loaded, when there is one. */
  readonly config: string | undefined;
  readonly processes: readonly LocalProcess[];
  /** Resolves with a reason when the troupe can no longer work (its nats-server died). */
  readonly broken: Promise<string>;
  /** API first, then the agents drain, the supervisor stops, nats-server last. Idempotent. */
  stop(): Promise<void>;
}

interface Slot {
  kind: LocalProcess['kind'];
  name: string;
  args: string[];
  logFile: string;
  child: ManagedChild;
  report?: ProcessReport;
  restarts: number;
}

const LOCK_FILE = 'up.json';

/** Claims the state folder for this process; a lock left by a process that is gone is taken over. */
function claimDir(dir: string): () => void {
  const lock = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeFileSync(fd, JSON.stringify({ pid: process.pid, startedAt: Date.now() }));
      closeSync(fd);
      return () => removeFile(lock);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let pid: number | undefined;
      try {
        pid = (JSON.parse(readFileSync(lock, 'utf8')) as { pid?: number }).pid;
      } catch {
        pid = undefined;
      }
      if (pid !== undefined && pid !== process.pid && isAlive(pid)) {
        throw new CliError(
          CliErrorCode.AlreadyRunning,
          `a troupe is already running from ${dir} (process ${pid})`,
          {
            hint: `stop it first (Ctrl-C in its terminal, or kill -INT ${pid}), or pass another --dir`,
          },
        );
      }
      removeFile(lock);
    }
  }
  throw new CliError(CliErrorCode.AlreadyRunning, `cannot claim ${join(dir, LOCK_FILE)}`);
}

function describe(report: ProcessReport | undefined, slot: Pick<Slot, 'kind' | 'name'>): string {
  switch (slot.kind) {
    case 'agent': {
      const models = [...new Set(Object.values(report?.models ?? {}))].join(', ');
      const roles = slot.name.split('+');
      const shared =
        roles.length > 1 ? ` (the ${roles.slice(1).join(', ')} role shares the ${roles[0]} process)` : '';
      return `${roles.join(' + ')} · ${models || 'model per role'}${shared}`;
    }
    case 'supervisor':
      return `workflows ${(report?.workflows ?? []).join(', ')}`;
    case 'api':
      return report?.url ?? '';
    case 'nats-server':
      return '';
  }
}

/**
 * Checks an existing server before anything starts, as every process will use it: it answers, takes the
 * credentials, and has the streams and buckets (created when missing).
 */
async function checkAttached(connection: ResolvedConnectOptions): Promise<void> {
  const servers = connection.servers.join(',');
  let bus;
  try {
    bus = await connect({ name: `troupe-up-${process.pid}`, ...connectOptionsFromResolved(connection) });
  } catch (err) {
    throw new CliError(CliErrorCode.StartFailed, `cannot attach to NATS: ${(err as Error).message}`, {
      cause: err,
      hint: `check --nats (${servers}) and the credentials: --creds, --nkey, --user/--password, --token, or the TROUPE_NATS_* variables`,
    });
  }
  try {
    await bus.prepareTopology();
  } finally {
    await bus.close();
  }
}

/**
 * Starts a whole troupe on this machine: nats-server (unless `--nats` or NATS_URL names one to attach to), a
 * supervisor, the agents, the API.
 */
export async function startLocalTroupe(options: LocalTroupeOptions): Promise<LocalTroupe> {
  const env = options.env ?? process.env;
  const note = options.onNote ?? (() => undefined);
  const flags = options.connection ?? {};
  const attach = flags.nats !== undefined || !!env[NatsEnv.Servers]?.trim();
  if (!attach && hasConnectionFlags(flags)) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      'credentials and TLS flags are for a NATS server of yours: pass --nats <urls> too',
      {
        hint: 'without --nats (or NATS_URL), up starts a nats-server of its own on 127.0.0.1, without authentication',
      },
    );
  }
  if (attach && options.natsPort !== undefined) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      '--nats-port is the port of the nats-server up starts; with --nats (or NATS_URL) it attaches to yours instead',
    );
  }
  // Checked before anything starts: a wrong flag or file fails here, naming the flag.
  const attached = attach ? resolveConnection(flags, env) : undefined;
  // Checked before anything starts: a wrong project file fails here, once, rather than in every child.
  const project = await loadProject({ config: options.config, env });
  const dir = options.dir;
  const logDir = join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const release = claimDir(dir);
  const shown = (p: string) =>
    relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p) || '.';

  let nats: LocalNatsServer | undefined;
  const slots: Slot[] = [];
  let stopping: Promise<void> | undefined;
  let brokenResolve: (why: string) => void = () => undefined;
  const broken = new Promise<string>((resolve) => (brokenResolve = resolve));

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const of = (kind: Slot['kind']) => slots.filter((s) => s.kind === kind && s.child.running);
      const stopAll = async (kind: Slot['kind'], timeoutMs: number, what: string) => {
        const list = of(kind);
        if (list.length === 0) return;
        note(`stopping: ${what}`);
        const clean = await Promise.all(list.map((s) => s.child.stop(timeoutMs)));
        clean.forEach((ok, i) => {
          if (!ok) note(`  ${list[i]!.name} did not stop within ${timeoutMs / 1000} s and was killed`);
        });
      };
      try {
        await stopAll('api', STOP_TIMEOUTS.apiMs, 'the API');
        await stopAll('agent', STOP_TIMEOUTS.agentsMs, 'the agents (finishing the steps in flight)');
        await stopAll('supervisor', STOP_TIMEOUTS.supervisorMs, 'the supervisor');
        if (nats) {
          note('stopping: nats-server');
          await nats.stop(STOP_TIMEOUTS.natsMs);
        }
      } finally {
        for (const s of slots) s.child.kill();
        release();
      }
    })());

  try {
    let natsUrl: string;
    const ownsNats = !attached;
    if (attached) {
      natsUrl = attached.servers.join(',');
      note(`attaching to NATS at ${natsUrl}`);
      await checkAttached(attached);
    } else {
      note('starting nats-server');
      nats = await startLocalNatsServer({
        dir,
        ...(options.natsPort !== undefined ? { port: options.natsPort } : {}),
        logFile: join(logDir, 'nats-server.log'),
      });
      natsUrl = nats.url;
      void nats.exited.then(({ code, signal }) => {
        if (!stopping) brokenResolve(`nats-server exited (${code ?? signal}); see ${shown(nats!.logFile)}`);
      });
    }
    if (options.port !== 0 && (await portInUse(options.port))) {
      throw new CliError(CliErrorCode.StartFailed, `port ${options.port} for the API is in use`, {
        hint: 'pass another --port (0 picks a free one), or stop what listens there',
      });
    }

    // The children connect as this process does; with a server of its own, with no credentials at all.
    const childEnv = connectionEnv(
      attached ?? { servers: [natsUrl], credentials: { kind: 'none' }, tls: undefined },
      env,
    );
    const concurrency =
      options.concurrency !== undefined ? ['--concurrency', String(options.concurrency)] : [];
    // The children load the file this process loaded, wherever they would have searched.
    const config = project.file ? ['--config', project.file] : [];
    const perRole = [...AGENT_PROCESSES, ...project.roles.map((r) => [r.name])];
    if (ownsNats) {
      // Its own server: provision it once, as `troupe provision` would (the processes then find it all there,
      // and a store from an earlier version is brought to this version's configuration).
      note('provisioning streams, buckets and consumers');
      const admin = await connect({ servers: natsUrl, name: 'troupe-up-provision' });
      try {
        await admin.provisionTopology({ roles: perRole.flat() });
      } finally {
        await admin.close();
      }
    }
    const plan: Array<Pick<Slot, 'kind' | 'name' | 'args'>> = [
      { kind: 'supervisor', name: 'supervisor', args: ['supervisor', ...config] },
      ...(options.agents === 'one' ? [perRole.flat()] : perRole).map((roles) => ({
        kind: 'agent' as const,
        name: roles.join('+'),
        args: ['agent', '--role', roles.join(','), ...concurrency, ...config],
      })),
      {
        kind: 'api',
        name: 'api',
        args: ['api', '--port', String(options.port), '--host', '127.0.0.1', ...config],
      },
    ];
    note(`starting ${plan.map((p) => (p.kind === 'agent' ? `agent ${p.name}` : p.name)).join(', ')}`);
    const spawnSlot = (slot: Pick<Slot, 'kind' | 'name' | 'args' | 'logFile'>) =>
      spawnManagedChild({ args: slot.args, env: childEnv, logFile: slot.logFile, name: slot.name });
    for (const p of plan) {
      const logFile = join(logDir, `${p.kind === 'agent' ? `agent-${p.name}` : p.name}.log`);
      slots.push({ ...p, logFile, child: spawnSlot({ ...p, logFile }), restarts: 0 });
    }

    const aborted = new Promise<never>((_, reject) => {
      const fail = () => reject(new Error('interrupted'));
      if (options.signal?.aborted) fail();
      options.signal?.addEventListener('abort', fail, { once: true });
    });
    aborted.catch(() => undefined);
    const timeoutMs = options.readyTimeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const late = slots.filter((s) => s.report === undefined).map((s) => s.name);
        reject(new Error(`not ready within ${timeoutMs / 1000} s: ${late.join(', ')}`));
      }, timeoutMs);
    });
    try {
      await Promise.race([
        Promise.all(
          slots.map(async (s) => {
            s.report = await s.child.ready;
          }),
        ),
        timeout,
        broken.then((why) => Promise.reject(new Error(why))),
        aborted,
      ]);
    } catch (err) {
      throw new CliError(
        CliErrorCode.StartFailed,
        `the local troupe did not start: ${(err as Error).message}`,
        {
          cause: err,
          hint: `the logs are in ${shown(logDir)}`,
        },
      );
    } finally {
      clearTimeout(timer);
    }

    // A child that dies while the troupe runs is started again (at most 5 times, waiting longer each time).
    const watch = (slot: Slot) => {
      void slot.child.exited.then(async ({ code, signal }) => {
        if (stopping) return;
        if (slot.restarts >= 5) {
          note(
            `${slot.name} exited (${code ?? signal}) and was restarted 5 times already: giving up; see ${shown(slot.logFile)}`,
          );
          return;
        }
        const delayMs = 500 * 2 ** slot.restarts;
        slot.restarts++;
        note(
          `${slot.name} exited (${code ?? signal}); restarting it in ${delayMs} ms (log: ${shown(slot.logFile)})`,
        );
        await new Promise((r) => setTimeout(r, delayMs));
        if (stopping) return;
        slot.child = spawnSlot(slot);
        watch(slot);
        slot.child.ready.then(
          () => note(`${slot.name} is back (pid ${slot.child.pid})`),
          () => undefined,
        );
      });
    };
    slots.forEach(watch);

    const apiUrl = slots.find((s) => s.kind === 'api')!.report!.url!;
    const processes = (): LocalProcess[] => [
      ...(nats
        ? [
            {
              kind: 'nats-server' as const,
              name: 'nats-server',
              pid: nats.pid,
              detail: `${nats.url} · JetStream in ${shown(nats.storeDir)}`,
              logFile: nats.logFile,
            },
          ]
        : []),
      ...slots.map((s) => ({
        kind: s.kind,
        name: s.name,
        pid: s.child.pid,
        detail: describe(s.report, s),
        logFile: s.logFile,
        ...(s.report ? { report: s.report } : {}),
      })),
    ];
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify(
        {
          pid: process.pid,
          startedAt: Date.now(),
          natsUrl,
          apiUrl,
          ...(project.file ? { config: project.file } : {}),
          processes: processes(),
        },
        null,
        2,
      ),
    );
    return {
      dir,
      natsUrl,
      ownsNats,
      apiUrl,
      logDir,
      config: project.file,
      get processes() {
        return processes();
      },
      broken,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
