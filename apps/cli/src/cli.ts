import { Argument, Command, CommanderError, Option } from 'commander';
import { resolveApiTarget } from './api-client.js';
import { formatErrorLines, describeError } from './describe-error.js';
import { CliError, CliErrorCode } from './errors.js';
import { AGENT_LAYOUTS, type AgentLayout } from './local/agent-layout.js';
import { addConnectionOptions, connectionFlagsOf, type ConnectionFlags } from './connection-options.js';
import { createPrinter, type CliIo } from './io.js';
import {
  parseConcurrency,
  parseHosts,
  parseHttpUrl,
  parseModel,
  parseNodes,
  parsePort,
  parseReplicas,
  parseRoles,
  BUILTIN_ROLE_NAMES,
  DEFAULT_DEMO_QUESTION,
  REVIEW_DECISIONS,
  type ReviewDecision,
} from './options.js';
import { sendToParent } from './process/lifecycle.js';
import { CONFIG_ENV } from './project/find-config.js';
import { loadProject } from './project/load-project.js';
import { PACKAGE_VERSION } from './version.js';

interface ClientFlags {
  api?: string;
  key?: string;
  json?: boolean;
}

const ID = /^[A-Za-z0-9_-]{1,128}$/;

function checkId(value: string, what: string): string {
  if (!ID.test(value)) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      `"${value}" is not a ${what}: it uses letters, digits, "-" and "_" (1-128 characters)`,
    );
  }
  return value;
}

function envPort(io: CliIo, name: string, fallback: number): number {
  const raw = io.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  try {
    return parsePort(raw);
  } catch (err) {
    throw new CliError(
      CliErrorCode.InvalidArgument,
      `${name}="${raw}" is not a port: ${(err as Error).message}`,
    );
  }
}

/** The `troupe` command line. Each action sets the exit code it ends with. */
export function createProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('troupe')
    .description('Troupe: AI agents with roles as processes over NATS, coordinated by supervisors.')
    .version(PACKAGE_VERSION)
    .showHelpAfterError('(run with --help for the usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  const clientCommand = (name: string, description: string) => program.command(name).description(description);
  /** The options every client command has, after its own. */
  const withClientOptions = (command: Command) =>
    command
      .addOption(
        new Option(
          '--api <url>',
          'the Troupe API (default: TROUPE_API_URL, else http://127.0.0.1:3000)',
        ).argParser(parseHttpUrl),
      )
      .addOption(new Option('--key <key>', 'API key (default: TROUPE_API_KEY)'))
      .option('--json', 'print JSON');
  const targetOf = (flags: ClientFlags) => resolveApiTarget(flags, io.env);
  /** The project file every process loads: its roles, tools, MCP servers and workflows run beside the built-ins. */
  const configOption = () =>
    new Option(
      '--config <file>',
      `the project file, or its folder (default: ${CONFIG_ENV}, else troupe.config.ts here or in a folder above)`,
    );
  const projectOf = (flags: { config?: string }) => loadProject({ config: flags.config, env: io.env });
  const printerOf = (flags: { json?: boolean }) => createPrinter(io, flags.json === true);

  // ---- one machine ------------------------------------------------------------------------------------
  const upCommandLine = program
    .command('up')
    .description(
      'run a whole troupe on this machine: nats-server, a supervisor, an agent per role, the API; with --nats (or NATS_URL), attach to a NATS server or cluster of yours instead of starting one',
    )
    .addOption(new Option('--port <n>', 'API port (0 picks a free one)').argParser(parsePort).default(3000))
    .option('--dir <path>', 'state folder: JetStream store, logs', './.troupe')
    .addOption(
      new Option('--nats-port <n>', 'nats-server client port (default: a free one)').argParser(parsePort),
    )
    .addOption(
      new Option('--concurrency <n>', 'steps each agent process runs at once').argParser(parseConcurrency),
    )
    .addOption(
      new Option(
        '--agents <layout>',
        'agent processes: one per role, or one for every role (less CPU on a small machine)',
      )
        .choices(AGENT_LAYOUTS)
        .default('per-role'),
    )
    .addOption(configOption())
    .option('--json', 'print what runs as JSON');
  addConnectionOptions(upCommandLine).action(
    async (
      flags: {
        port: number;
        dir: string;
        natsPort?: number;
        concurrency?: number;
        agents: AgentLayout;
        config?: string;
        json?: boolean;
      } & ConnectionFlags,
    ) => {
      const { upCommand } = await import('./commands/up.js');
      setExitCode(
        await upCommand(
          {
            port: flags.port,
            dir: flags.dir,
            agents: flags.agents,
            ...(flags.natsPort !== undefined ? { natsPort: flags.natsPort } : {}),
            ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
            ...(flags.config !== undefined ? { config: flags.config } : {}),
            connection: connectionFlagsOf(flags),
          },
          printerOf(flags),
          io.env as NodeJS.ProcessEnv,
        ),
      );
    },
  );

  program
    .command('init')
    .description(
      'write a project of your own: a troupe.config.ts with a role and a workflow, package.json, README',
    )
    .argument('[dir]', 'the folder (created when missing)', '.')
    .option('--json', 'print what was written as JSON')
    .action(async (dir: string, flags: { json?: boolean }) => {
      const { initCommand } = await import('./commands/init.js');
      setExitCode(initCommand(dir, printerOf(flags)));
    });

  program
    .command('demo')
    .description('start a local troupe, answer a question with the report workflow, print the report, stop')
    .option('--question <text>', 'what the report answers', DEFAULT_DEMO_QUESTION)
    .option('--options <json>', 'task options, e.g. \'{"reviewThreshold":0.9}\'')
    .option('--keep', 'keep the state folder (logs, JetStream store)')
    .option('--json', 'print the outcome as JSON')
    .action(async (flags: { question: string; options?: string; keep?: boolean; json?: boolean }) => {
      if (flags.question.trim() === '')
        throw new CliError(CliErrorCode.InvalidArgument, '--question is empty');
      const { demoCommand } = await import('./commands/demo.js');
      setExitCode(await demoCommand(flags, printerOf(flags), io.env as NodeJS.ProcessEnv));
    });

  // ---- processes, one by one, for several machines sharing NATS_URL ---------------------------------------
  const agentCommandLine = program
    .command('agent')
    .description('run an agent process serving one or more roles')
    .addOption(
      new Option(
        '--role <roles>',
        "role(s), comma-separated: planner,researcher,analyst,drafter,reviewer,assistant, or the project file's",
      )
        .argParser(parseRoles)
        .makeOptionMandatory(),
    )
    .addOption(new Option('--concurrency <n>', 'steps run at once (default 4)').argParser(parseConcurrency))
    .addOption(
      new Option(
        '--model <provider:model>',
        'model for these roles (default: TROUPE_MODEL, a provider key, else offline)',
      ).argParser(parseModel),
    )
    .addOption(new Option('--health-port <n>', 'also serve GET /healthz on this port').argParser(parsePort))
    .addOption(configOption());
  addConnectionOptions(agentCommandLine).action(
    async (
      flags: {
        role: string[];
        concurrency?: number;
        model?: string;
        healthPort?: number;
        config?: string;
      } & ConnectionFlags,
    ) => {
      const { agentCommand } = await import('./commands/agent.js');
      await agentCommand(
        {
          roles: flags.role,
          project: await projectOf(flags),
          ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
          ...(flags.model ? { model: flags.model } : {}),
          ...(flags.healthPort !== undefined ? { healthPort: flags.healthPort } : {}),
          connection: connectionFlagsOf(flags),
        },
        printerOf({}),
      );
    },
  );

  const supervisorCommandLine = program
    .command('supervisor')
    .description("run a supervisor process (the built-in workflows and the project file's)")
    .addOption(
      new Option('--concurrency <n>', 'events handled at once (default 64)').argParser(parseConcurrency),
    )
    .addOption(configOption());
  addConnectionOptions(supervisorCommandLine).action(
    async (flags: { concurrency?: number; config?: string } & ConnectionFlags) => {
      const { supervisorCommand } = await import('./commands/supervisor.js');
      await supervisorCommand(
        {
          ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
          connection: connectionFlagsOf(flags),
          project: await projectOf(flags),
        },
        printerOf({}),
      );
    },
  );

  const apiCommandLine = program
    .command('api')
    .description('run the HTTP API')
    .addOption(
      new Option('--port <n>', 'port (default: TROUPE_API_PORT, else 3000; 0 picks a free one)').argParser(
        parsePort,
      ),
    )
    .option('--host <host>', 'address to listen on (default: TROUPE_API_HOST, else 127.0.0.1)')
    .addOption(configOption());
  addConnectionOptions(apiCommandLine).action(
    async (flags: { port?: number; host?: string; config?: string } & ConnectionFlags) => {
      const { apiCommand } = await import('./commands/api.js');
      await apiCommand(
        {
          project: await projectOf(flags),
          port: flags.port ?? envPort(io, 'TROUPE_API_PORT', 3000),
          host: flags.host ?? (io.env['TROUPE_API_HOST'] || '127.0.0.1'),
          connection: connectionFlagsOf(flags),
        },
        printerOf({}),
      );
    },
  );

  // ---- a shared NATS: its configuration and topology ---------------------------------------------------
  /** The built-in roles, the project file's and `--roles`, each once. */
  const allRoles = async (flags: { roles?: string[]; config?: string }) => {
    const project = await projectOf(flags);
    return [...new Set([...BUILTIN_ROLE_NAMES, ...project.roles.map((r) => r.name), ...(flags.roles ?? [])])];
  };
  const provisionCommandLine = program
    .command('provision')
    .description('create or update every stream, bucket and consumer once (as a user allowed to)')
    .addOption(
      new Option('--replicas <n>', 'copies of each stream and bucket, 3 on a cluster (default 1)').argParser(
        parseReplicas,
      ),
    )
    .addOption(
      new Option('--roles <roles>', "more agent roles than the built-in and the project file's").argParser(
        parseRoles,
      ),
    )
    .addOption(configOption())
    .option('--json', 'print what was created and updated as JSON');
  addConnectionOptions(provisionCommandLine).action(
    async (
      flags: { replicas?: number; roles?: string[]; config?: string; json?: boolean } & ConnectionFlags,
    ) => {
      const { provisionCommand } = await import('./commands/provision.js');
      setExitCode(
        await provisionCommand(
          {
            roles: await allRoles(flags),
            connection: connectionFlagsOf(flags),
            ...(flags.replicas !== undefined ? { replicas: flags.replicas } : {}),
          },
          printerOf(flags),
        ),
      );
    },
  );
  program
    .command('nats-config')
    .description(
      'write nats-server configuration: a cluster, the Troupe account and a least-privilege user per process kind and role',
    )
    .option('--out <dir>', 'folder to write to', 'nats')
    .addOption(new Option('--nodes <n>', 'cluster nodes (default 3)').argParser(parseNodes))
    .option('--single', 'one server, no cluster')
    .addOption(
      new Option('--host <hosts>', "the nodes' hosts, one, or one per node (default 127.0.0.1)").argParser(
        parseHosts,
      ),
    )
    .addOption(
      new Option(
        '--port <n>',
        "client port, the first node's when the nodes share a host (default 4222)",
      ).argParser(parsePort),
    )
    .addOption(new Option('--cluster-port <n>', 'route port, likewise (default 6222)').argParser(parsePort))
    .addOption(
      new Option(
        '--monitor-port <n>',
        'HTTP monitoring port (/healthz, /jsz), likewise (default: none)',
      ).argParser(parsePort),
    )
    .option('--store-dir <dir>', 'where the nodes keep JetStream files (default <out>/data)')
    .addOption(
      new Option('--roles <roles>', "more agent roles than the built-in and the project file's").argParser(
        parseRoles,
      ),
    )
    .addOption(configOption())
    .option('--force', 'write over an earlier configuration (new passwords)')
    .option('--json', 'print the files written as JSON')
    .action(
      async (flags: {
        out: string;
        nodes?: number;
        single?: boolean;
        host?: string[];
        port?: number;
        clusterPort?: number;
        monitorPort?: number;
        storeDir?: string;
        roles?: string[];
        config?: string;
        force?: boolean;
        json?: boolean;
      }) => {
        const { natsConfigCommand } = await import('./commands/nats-config.js');
        setExitCode(
          natsConfigCommand(
            {
              out: flags.out,
              nodes: flags.single ? 1 : (flags.nodes ?? 3),
              hosts: flags.host ?? ['127.0.0.1'],
              roles: await allRoles(flags),
              ...(flags.port !== undefined ? { port: flags.port } : {}),
              ...(flags.clusterPort !== undefined ? { clusterPort: flags.clusterPort } : {}),
              ...(flags.monitorPort !== undefined ? { monitorPort: flags.monitorPort } : {}),
              ...(flags.storeDir ? { storeDir: flags.storeDir } : {}),
              ...(flags.force ? { force: true } : {}),
            },
            printerOf(flags),
          ),
        );
      },
    );

  // ---- clients of the API ---------------------------------------------------------------------------------
  withClientOptions(
    clientCommand('submit', 'submit a task')
      .argument(
        '<workflow>',
        'the workflow: report, ask, rag, extract, tools (`troupe workflows` lists them)',
      )
      .option('--input <json>', 'the task input as JSON, e.g. \'{"question":"..."}\'')
      .option('--question <text>', 'short for --input \'{"question":"<text>"}\'')
      .option('--wait', 'wait for the task to finish and print its result')
      .option('--idempotency-key <key>', 'the same key within 24 h returns the same task')
      .option('--options <json>', 'task options, e.g. \'{"reviewThreshold":0.8,"budget":{"costUsd":0.5}}\''),
  ).action(
    async (
      workflow: string,
      flags: ClientFlags & {
        input?: string;
        question?: string;
        wait?: boolean;
        idempotencyKey?: string;
        options?: string;
      },
    ) => {
      const target = targetOf(flags);
      const { submitCommand } = await import('./commands/submit.js');
      setExitCode(await submitCommand(checkId(workflow, 'workflow name'), flags, target, printerOf(flags)));
    },
  );

  withClientOptions(
    clientCommand('status', "a task's status, step by step").argument('<id>', 'task id'),
  ).action(async (id: string, flags: ClientFlags) => {
    const { statusCommand } = await import('./commands/status.js');
    setExitCode(await statusCommand(checkId(id, 'task id'), targetOf(flags), printerOf(flags)));
  });

  withClientOptions(clientCommand('result', "a finished task's result").argument('<id>', 'task id')).action(
    async (id: string, flags: ClientFlags) => {
      const { resultCommand } = await import('./commands/status.js');
      setExitCode(await resultCommand(checkId(id, 'task id'), targetOf(flags), printerOf(flags)));
    },
  );

  withClientOptions(
    clientCommand('watch', 'follow a task live: steps, agents, tokens and cost').argument('<id>', 'task id'),
  ).action(async (id: string, flags: ClientFlags) => {
    const { watchCommand } = await import('./commands/watch.js');
    setExitCode(await watchCommand(checkId(id, 'task id'), targetOf(flags), printerOf(flags)));
  });

  withClientOptions(
    clientCommand('review', 'decide on a task waiting for a review')
      .argument('<id>', 'task id')
      .addArgument(new Argument('<decision>', 'the decision').choices(REVIEW_DECISIONS))
      .option('--notes <text>', 'notes for the record (revise: what to change)'),
  ).action(async (id: string, decision: ReviewDecision, flags: ClientFlags & { notes?: string }) => {
    const { reviewCommand } = await import('./commands/review.js');
    setExitCode(
      await reviewCommand(checkId(id, 'task id'), decision, flags.notes, targetOf(flags), printerOf(flags)),
    );
  });

  withClientOptions(clientCommand('agents', 'the agents running now')).action(async (flags: ClientFlags) => {
    const { agentsCommand } = await import('./commands/catalog.js');
    setExitCode(await agentsCommand(targetOf(flags), printerOf(flags)));
  });

  withClientOptions(clientCommand('workflows', 'the workflows the API runs')).action(
    async (flags: ClientFlags) => {
      const { workflowsCommand } = await import('./commands/catalog.js');
      setExitCode(await workflowsCommand(targetOf(flags), printerOf(flags)));
    },
  );

  return program;
}

/** Runs the CLI on `argv` (without node and script); resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code = 0;
  const program = createProgram(io, (c) => (code = c));
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    // commander printed its own message (and help) already; help and --version end with 0.
    if (err instanceof CommanderError) return err.exitCode;
    io.stderr.write(formatErrorLines(err, io.env));
    const d = describeError(err, io.env);
    sendToParent({ type: 'failed', message: d.message, ...(d.hint ? { hint: d.hint } : {}) });
    return 1;
  }
}
