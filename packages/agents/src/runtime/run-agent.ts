import { hostname } from 'node:os';
import { connect, systemClock, type Bus, type Clock, type StepAssignment, type Usage } from '@troupe/bus';
import {
  captureContentEnabled,
  createLogger,
  withAgentSpan,
  withChatSpan,
  withToolSpan,
} from '@troupe/telemetry';
import {
  connectMcpTools,
  createCalculatorTool,
  createCorpusSearchTool,
  createGuardrails,
  createHttpFetchTool,
  createReadFileTool,
  createToolRegistry,
  type Tool,
} from '@troupe/tools';
import { executeStep } from '../execution/execute-step.js';
import type { ToolInvoker } from '../execution/types.js';
import type { ModelProvider } from '../providers/chat.js';
import { contextWindowFor } from '../providers/context-window.js';
import { formatModelRef, parseModelRef, resolveModelChain, type ModelRef } from '../providers/model-ref.js';
import { createModelRouter, type ModelRouter } from '../providers/model-router.js';
import type { OfflineAnswer } from '../providers/offline/offline-provider.js';
import { costUsd } from '../providers/prices.js';
import { createProviderFactory, type ProviderFactoryOptions } from '../providers/provider-factory.js';
import { startAgentHost, type AgentHost, type StepContext as HostStepContext } from './agent-host.js';
import { openCallCache } from './call-cache.js';
import type { Agent } from './define-agent.js';

export interface RunAgentOptions {
  /** A connected bus; by default one is made from `NATS_URL` and closed on stop. */
  bus?: Bus;
  agentId?: string;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  /** Also serve GET /healthz on this port. */
  healthPort?: number;
  heartbeatIntervalMs?: number;
  /** Stop gracefully on SIGTERM and SIGINT, then exit 0. Default true. */
  handleSignals?: boolean;
  /** Provider settings (for example the offline model's simulated latency). */
  providers?: ProviderFactoryOptions;
}

export interface RunningAgent {
  readonly host: AgentHost;
  readonly bus: Bus;
  /** Stops pulling, finishes the steps in flight, closes MCP servers and (when owned) the bus. */
  stop(): Promise<void>;
}

/** The built-in tools a role may name in its `tools`. */
export const BUILTIN_TOOL_NAMES: readonly string[] = [
  'search_corpus',
  'calculator',
  'read_file',
  'http_fetch',
];

/** The built-in tools a role may name; each is made only when a role asks for it. */
function builtinTool(name: string, env: NodeJS.ProcessEnv): Tool | undefined {
  switch (name) {
    case 'search_corpus':
      return createCorpusSearchTool(
        env['TROUPE_CORPUS_DIR'] ? { folders: env['TROUPE_CORPUS_DIR'].split(',') } : {},
      ) as Tool;
    case 'calculator':
      return createCalculatorTool() as Tool;
    case 'read_file':
      return createReadFileTool({ roots: (env['TROUPE_READ_ROOTS'] ?? process.cwd()).split(',') }) as Tool;
    case 'http_fetch':
      return createHttpFetchTool({
        allowHosts: (env['TROUPE_HTTP_ALLOW'] ?? '').split(',').filter(Boolean),
      }) as Tool;
    default:
      return undefined;
  }
}

/** The offline model's answers for the roles that bring their own (`defineRole({ offline })`), by role name. */
function offlineAnswers(agents: readonly Agent[]): Record<string, OfflineAnswer> {
  const answers: Record<string, OfflineAnswer> = {};
  for (const { role } of agents) {
    const offline = role.offline;
    if (offline) answers[role.name] = (input) => offline(role.input ? role.input.parse(input) : input);
  }
  return answers;
}

function instrumentProvider(provider: ModelProvider): ModelProvider {
  return {
    name: provider.name,
    chat: (req) =>
      withChatSpan(
        { provider: provider.name, model: req.model, inputMessages: req.messages },
        async (span) => {
          const response = await provider.chat(req);
          span.setResponse({
            model: response.model,
            inputTokens: response.usage.inputTokens,
            outputTokens: response.usage.outputTokens,
            costUsd: costUsd({ provider: provider.name, model: response.model } as ModelRef, response.usage),
            finishReasons: [response.finishReason],
          });
          return response;
        },
      ),
  };
}

function instrumentTools(tools: ToolInvoker): ToolInvoker {
  return {
    specs: () => tools.specs(),
    call: (name, rawArgs, options) =>
      withToolSpan({ tool: name, ...(options?.taskId ? { taskId: options.taskId } : {}) }, () =>
        tools.call(name, rawArgs, options),
      ),
  };
}

/**
 * Runs agents in this process: one consumer per role, each step through the model-and-tool loop with
 * telemetry, audit, progress events, optional caching and guardrails.
 */
export async function runAgent(
  agents: Agent | readonly Agent[],
  options: RunAgentOptions = {},
): Promise<RunningAgent> {
  const list: readonly Agent[] = Array.isArray(agents) ? (agents as readonly Agent[]) : [agents as Agent];
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const logger = createLogger({ name: `agent:${list.map((a) => a.role.name).join('+')}` });
  const ownsBus = !options.bus;
  const bus = options.bus ?? (await connect({ name: `troupe-agent-${hostname()}-${process.pid}`, clock }));
  const providers = createProviderFactory({
    env,
    ...options.providers,
    offline: {
      ...options.providers?.offline,
      roles: { ...offlineAnswers(list), ...options.providers?.offline?.roles },
    },
  });
  const instrumented = new Map<string, ModelProvider>();
  const providerFor = (ref: ModelRef) => {
    let p = instrumented.get(ref.provider);
    if (!p) {
      p = instrumentProvider(providers(ref));
      instrumented.set(ref.provider, p);
    }
    return p;
  };
  const captureContent = captureContentEnabled(env);
  const cache = list.some((a) => a.definition.cache) ? await openCallCache(bus) : undefined;
  const mcpClients: Array<{ close(): Promise<void> }> = [];

  interface Prepared {
    agent: Agent;
    tools: ToolInvoker;
    guardrails: ReturnType<typeof createGuardrails>;
    defaultChain: ModelRef[];
  }
  const byRole = new Map<string, Prepared>();
  for (const agent of list) {
    const tools: Tool[] = [];
    for (const name of agent.role.tools) {
      const tool = builtinTool(name, env) ?? agent.definition.tools?.find((t) => t.name === name);
      if (tool) tools.push(tool);
    }
    for (const extra of agent.definition.tools ?? []) if (!tools.includes(extra)) tools.push(extra);
    for (const server of agent.definition.mcp ?? []) {
      const client = await connectMcpTools(server);
      mcpClients.push(client);
      tools.push(...client.tools);
    }
    const registry = createToolRegistry(tools, { clock });
    // The agent's own tools and its MCP servers' tools are the role's to call too.
    const role = { ...agent.role, tools: [...new Set([...agent.role.tools, ...tools.map((t) => t.name)])] };
    const invoker = instrumentTools(registry);
    byRole.set(agent.role.name, {
      agent: { ...agent, role },
      tools: agent.definition.cache && cache ? cache.wrapTools(invoker) : invoker,
      guardrails: createGuardrails(agent.definition.guardrails ?? {}),
      defaultChain: agent.definition.model
        ? agent.definition.model.split(',').map((m) => parseModelRef(m.trim(), 'model'))
        : resolveModelChain({
            env,
            ...(agent.role.defaultModel ? { roleDefault: agent.role.defaultModel } : {}),
          }),
    });
  }

  /** A router per role and model chain, with its primary model's context window. */
  const routers = new Map<string, { router: ModelRouter; contextWindow: number }>();
  /** The same, by role and the step's model as the assignment spells it: a step parses no model reference. */
  const routersByAssignment = new Map<string, { router: ModelRouter; contextWindow: number }>();
  const routerFor = (prepared: Prepared, assignment: StepAssignment) => {
    const asked = `${prepared.agent.role.name}|${assignment.model ?? ''}`;
    let routed = routersByAssignment.get(asked);
    if (!routed) {
      routed = buildRouter(prepared, assignment);
      routersByAssignment.set(asked, routed);
    }
    return routed;
  };
  const buildRouter = (prepared: Prepared, assignment: StepAssignment) => {
    const chain = assignment.model
      ? [parseModelRef(assignment.model, 'step model'), ...prepared.defaultChain]
      : prepared.defaultChain;
    const key = `${prepared.agent.role.name}|${prepared.agent.definition.cache ? 1 : 0}|${chain.map(formatModelRef).join(',')}`;
    let routed = routers.get(key);
    if (!routed) {
      let router = createModelRouter({ chain, providers: providerFor, clock });
      if (prepared.agent.definition.cache && cache) router = cache.wrapRouter(router);
      routed = { router, contextWindow: contextWindowFor(router.primary) };
      routers.set(key, routed);
    }
    return routed;
  };

  const execute = async (ctx: HostStepContext) => {
    const { assignment } = ctx;
    const prepared = byRole.get(assignment.role);
    if (!prepared) throw new Error(`this process does not serve role ${assignment.role}`);
    const { router, contextWindow } = routerFor(prepared, assignment);
    const result = await executeStep({
      role: prepared.agent.role,
      input: assignment.input,
      model: router,
      tools: prepared.tools,
      guardrails: prepared.guardrails,
      clock,
      signal: ctx.signal,
      contextWindow,
      captureContent,
      taskId: assignment.taskId,
      stepId: assignment.stepKey,
      ...(assignment.tier ? { tier: assignment.tier } : {}),
      ...(prepared.agent.definition.maxRounds ? { maxRounds: prepared.agent.definition.maxRounds } : {}),
      // Execution makes the bus's shapes; the host adds only what it knows (ids, task, actor).
      onEvent: (event) => ctx.emit(event.type, event.data),
      onAudit: (record) => ctx.audit(record),
    });
    const usage: Usage = {
      inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      costUsd: result.usage.costUsd,
      latencyMs: result.usage.latencyMs,
      model: result.usage.model,
      provider: result.usage.provider,
      ...(result.usage.fallback ? { fallback: result.usage.fallback } : {}),
      ...(cache && result.usage.inputTokens === 0 && result.usage.outputTokens === 0 ? { cached: true } : {}),
    };
    return { output: result.output, usage };
  };

  const concurrency = Math.max(...list.map((a) => a.definition.concurrency ?? 4));
  const host = await startAgentHost({
    bus,
    roles: list.map((a) => a.role.name),
    execute,
    concurrency,
    clock,
    ...(options.agentId ? { agentId: options.agentId } : {}),
    ...(options.healthPort !== undefined ? { healthPort: options.healthPort } : {}),
    ...(options.heartbeatIntervalMs ? { heartbeatIntervalMs: options.heartbeatIntervalMs } : {}),
    onError: (err, where) => logger.warn({ err, where }, 'agent error'),
    instrument: (assignment, agentId, fn) =>
      withAgentSpan(
        {
          role: assignment.role,
          agentId,
          taskId: assignment.taskId,
          stepId: assignment.stepKey,
          attempt: assignment.attempt,
        },
        fn,
      ),
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await host.drain();
      await Promise.allSettled(mcpClients.map((c) => c.close()));
      if (ownsBus) await bus.close();
    })();
    return stopping;
  };
  if (options.handleSignals !== false) {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal, inFlight: host.inFlight }, 'stopping: finishing the steps in flight');
      void stop().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'stop failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return { host, bus, stop };
}
