/**
 * Every environment variable Troupe reads, with its default and what it does: the rows of the first table of
 * docs/configuration.md. The code reads its variables in many places and keeps no schema of them, so the list
 * lives here, and tests/docs-config.test.ts keeps it honest: it runs the code that reads them (the API, an
 * agent, the telemetry set-up, the model providers, the bus, the CLI's client and project loader) with an
 * environment that records every name asked for, and fails when the code reads a name that is not listed
 * here, or no longer reads one that is. Names and defaults that the code exports are imported, not copied.
 */
import { CONFIG_ENV } from '../../apps/cli/src/index.js';
import { DEFAULT_MODELS } from '../../packages/agents/src/index.js';
import { resolveConnectOptions } from '../../packages/bus/src/index.js';
import { CORPUS_DIR_ENV } from '../../packages/tools/src/index.js';

export const EnvGroup = {
  Nats: 'NATS',
  Api: 'The API',
  Cli: 'The CLI',
  Models: 'Models',
  Tools: "Agents' built-in tools",
  Telemetry: 'Traces and metrics',
  Logs: 'Logs',
} as const;
export type EnvGroup = (typeof EnvGroup)[keyof typeof EnvGroup];

export interface EnvVar {
  name: string;
  group: EnvGroup;
  /** Markdown: what happens when the variable is not set. */
  default: string;
  /** Markdown: the processes that read it. */
  readBy: string;
  /** Markdown. */
  description: string;
  /**
   * Why the docs test cannot watch the code read it (a branch it cannot reach); absent when it can, in which
   * case the test fails if the code stops reading it.
   */
  notProbed?: string;
}

const EVERY_PROCESS = 'every process';
const TELEMETRY = 'every process (`initTelemetry`)';
const SDK_DEFAULT = "the OpenTelemetry SDK's";
const none = '—';

const defaultNats = resolveConnectOptions({}, {}).servers.join(',');

export const ENV_VARS: readonly EnvVar[] = [
  // ---- NATS ----
  {
    name: 'NATS_URL',
    group: EnvGroup.Nats,
    default: `\`${defaultNats}\``,
    readBy: EVERY_PROCESS,
    description:
      'The NATS server(s), comma-separated (`nats://`, `tls://`, `ws://`, `wss://` URLs or `host:port`). `--nats` overrides it for one command. `troupe up` (unless given `--nats`) and `troupe demo` start a nats-server of their own unless it is set, and set it for the processes they start.',
  },
  {
    name: 'TROUPE_NATS_CREDS',
    group: EnvGroup.Nats,
    default: none,
    readBy: EVERY_PROCESS,
    description:
      'A NATS `.creds` file (user JWT and NKey seed) to connect with. `--creds` overrides it. One kind of credentials at a time: this, `TROUPE_NATS_NKEY`, `TROUPE_NATS_USER`/`TROUPE_NATS_PASSWORD` or `TROUPE_NATS_TOKEN`; a credential flag replaces them all.',
  },
  {
    name: 'TROUPE_NATS_NKEY',
    group: EnvGroup.Nats,
    default: none,
    readBy: EVERY_PROCESS,
    description: 'An NKey user seed (`SU…`) to connect with. `--nkey <seed-file>` overrides it.',
  },
  {
    name: 'TROUPE_NATS_USER',
    group: EnvGroup.Nats,
    default: none,
    readBy: EVERY_PROCESS,
    description:
      'A NATS user to connect as, with `TROUPE_NATS_PASSWORD`. `--user` overrides it. `troupe nats-config` writes both to `users/<name>.env` for each user it creates.',
  },
  {
    name: 'TROUPE_NATS_PASSWORD',
    group: EnvGroup.Nats,
    default: none,
    readBy: EVERY_PROCESS,
    description:
      "The NATS user's password; also the password of a user given with `--user`. Kept here rather than in `--password`, it stays out of the process list.",
  },
  {
    name: 'TROUPE_NATS_TOKEN',
    group: EnvGroup.Nats,
    default: none,
    readBy: EVERY_PROCESS,
    description: 'A NATS token to connect with. `--token` overrides it.',
  },
  {
    name: 'TROUPE_NATS_TLS_CA',
    group: EnvGroup.Nats,
    default: "the system's CAs (TLS only when the server asks for it, or a `tls://` URL)",
    readBy: EVERY_PROCESS,
    description:
      "A CA file (PEM) the servers' certificates are checked against; TLS is required. `--tls-ca` overrides it.",
  },
  {
    name: 'TROUPE_NATS_TLS_CERT',
    group: EnvGroup.Nats,
    default: none,
    readBy: EVERY_PROCESS,
    description:
      'A client certificate (PEM) for servers that verify clients, with `TROUPE_NATS_TLS_KEY`. `--tls-cert` overrides both.',
  },
  {
    name: 'TROUPE_NATS_TLS_KEY',
    group: EnvGroup.Nats,
    default: none,
    readBy: EVERY_PROCESS,
    description: "The client certificate's key (PEM). `--tls-key` overrides it, with `--tls-cert`.",
  },
  {
    name: 'TROUPE_NATS_INBOX_PREFIX',
    group: EnvGroup.Nats,
    default: '`_INBOX`',
    readBy: EVERY_PROCESS,
    description:
      "The prefix of the connection's reply subjects. A least-privilege user from `troupe nats-config` may subscribe only under its own (`_INBOX_<user>`), so set it with the user.",
  },
  {
    name: 'NATS_SERVER_BIN',
    group: EnvGroup.Nats,
    default:
      'the first `nats-server` on `PATH`, then `/usr/sbin`, `/usr/bin`, `/usr/local/bin` (and `/opt/homebrew/bin` for the CLI)',
    readBy: '`troupe up`, `troupe demo`, the test helpers (`@troupe/bus/testing`)',
    description: 'The nats-server binary to start.',
  },
  // ---- API ----
  {
    name: 'TROUPE_API_HOST',
    group: EnvGroup.Api,
    default: '`127.0.0.1`',
    readBy: '`troupe api`, `startApi()`',
    description:
      'The address the API listens on. Without API keys the API refuses to listen anywhere but on a loopback address.',
  },
  {
    name: 'TROUPE_API_PORT',
    group: EnvGroup.Api,
    default: '`3000` for `troupe api`; `8080` for `startApi()`',
    readBy: '`troupe api`, `startApi()`',
    description: 'The port the API listens on; `0` picks a free one. `troupe up` passes its own `--port`.',
  },
  {
    name: 'TROUPE_API_KEYS',
    group: EnvGroup.Api,
    default: 'none: open mode (tenant `local`, every scope, loopback connections only)',
    readBy: 'the API',
    description:
      'API keys: entries `key:tenant:scope1+scope2[:workflow1+workflow2]` separated by commas or newlines, or a JSON array of `{ key, tenant, scopes, workflows?, name? }`. Scopes: `tasks:write`, `tasks:read`, `review`, `admin`. See [security.md](security.md).',
  },
  {
    name: 'TROUPE_API_KEYS_FILE',
    group: EnvGroup.Api,
    default: none,
    readBy: 'the API',
    description: 'A file holding keys in the same format; its keys are added to those of `TROUPE_API_KEYS`.',
  },
  {
    name: 'TROUPE_API_PUBLIC_URL',
    group: EnvGroup.Api,
    default: "the request's host",
    readBy: 'the API',
    description: 'How clients reach the API (`https://troupe.example.com`), for the A2A agent card.',
  },
  {
    name: 'TROUPE_API_BODY_LIMIT',
    group: EnvGroup.Api,
    default: '`1048576` (1 MiB)',
    readBy: 'the API',
    description: 'The largest request body in bytes; a larger one is answered 413.',
  },
  {
    name: 'TROUPE_API_RATE_LIMIT',
    group: EnvGroup.Api,
    default: '`600`',
    readBy: 'the API',
    description: 'Requests per API key per minute; more are answered 429 with `Retry-After`.',
  },
  {
    name: 'TROUPE_API_TENANT_RATE_LIMIT',
    group: EnvGroup.Api,
    default: '`3000`',
    readBy: 'the API',
    description: 'Requests per tenant per minute, all its keys together.',
  },
  // ---- CLI ----
  {
    name: 'TROUPE_API_URL',
    group: EnvGroup.Cli,
    default: '`http://127.0.0.1:3000`',
    readBy:
      "`troupe submit`, `status`, `result`, `watch`, `review`, `agents`, `workflows`; the dashboard's dev server",
    description:
      'The API the client commands talk to (`--api` overrides it); the API `pnpm --filter @troupe/dashboard dev` proxies `/v1` to.',
  },
  {
    name: 'TROUPE_API_KEY',
    group: EnvGroup.Cli,
    default: 'none (open mode)',
    readBy: 'the client commands',
    description: 'The API key the client commands send (`--key` overrides it).',
  },
  {
    name: CONFIG_ENV,
    group: EnvGroup.Cli,
    default: '`troupe.config.ts` (or `.mts`, `.js`, `.mjs`) in the working directory or a folder above',
    readBy: '`troupe up`, `agent`, `supervisor`, `api`',
    description:
      'The project file, or its folder (`--config` overrides it). See [your-own-troupe.md](your-own-troupe.md).',
  },
  {
    name: 'TROUPE_DEBUG',
    group: EnvGroup.Cli,
    default: 'unset',
    readBy: 'every `troupe` command',
    description:
      'Set to anything: an unexpected error (a bug, not a Troupe error with its own message) is printed with its stack trace.',
    notProbed: 'read only when a command fails with an error that is not a Troupe error',
  },
  {
    name: 'TROUPE_MANAGED',
    group: EnvGroup.Cli,
    default: 'unset',
    readBy: 'the processes `troupe up` starts',
    description:
      'Set to `1` by `troupe up` for its children, which then report to it over IPC. Not for you to set.',
    notProbed: 'read by a process started by `troupe up`',
  },
  // ---- Models ----
  {
    name: 'TROUPE_MODEL',
    group: EnvGroup.Models,
    default: `the role's \`defaultModel\` when its provider has a key; else \`openai:${DEFAULT_MODELS.openai}\` with \`OPENAI_API_KEY\`, else \`anthropic:${DEFAULT_MODELS.anthropic}\` with \`ANTHROPIC_API_KEY\`, else \`offline:${DEFAULT_MODELS.offline}\``,
    readBy: 'agents',
    description:
      '`provider:model`, or a comma-separated fallback chain (`openai:gpt-4o,anthropic:claude-haiku-4-5`), for every role of an agent process that has no `--model` or agent `model`. See [model-providers.md](model-providers.md).',
  },
  {
    name: 'OPENAI_API_KEY',
    group: EnvGroup.Models,
    default: none,
    readBy: 'agents',
    description:
      'Turns the `openai` provider on. Required for api.openai.com; a local OpenAI-compatible server (`OPENAI_BASE_URL`) works without it.',
  },
  {
    name: 'OPENAI_BASE_URL',
    group: EnvGroup.Models,
    default: '`https://api.openai.com/v1`',
    readBy: 'agents',
    description:
      'Another OpenAI-compatible server: Ollama (`http://127.0.0.1:11434/v1`), vLLM, llama.cpp, LM Studio. The URL includes `/v1`.',
  },
  {
    name: 'ANTHROPIC_API_KEY',
    group: EnvGroup.Models,
    default: none,
    readBy: 'agents',
    description: 'Turns the `anthropic` provider on.',
  },
  {
    name: 'ANTHROPIC_AUTH_TOKEN',
    group: EnvGroup.Models,
    default: none,
    readBy: 'agents',
    description: 'A bearer token, used instead of `ANTHROPIC_API_KEY` when that is not set.',
  },
  {
    name: 'ANTHROPIC_BASE_URL',
    group: EnvGroup.Models,
    default: "the Anthropic SDK's (`https://api.anthropic.com`)",
    readBy: 'agents',
    description:
      'Another Anthropic-compatible endpoint (a proxy or gateway). The URL does not include `/v1`.',
  },
  // ---- Tools ----
  {
    name: CORPUS_DIR_ENV,
    group: EnvGroup.Tools,
    default: 'the Markdown docs of the installed packages (READMEs and `docs/*.md` under `node_modules`)',
    readBy: 'agents (`search_corpus`)',
    description:
      "The folders `search_corpus` searches instead: comma-separated as an agent reads it (`loadDefaultCorpus()` on its own splits on the platform's path delimiter, `:`).",
  },
  {
    name: 'TROUPE_READ_ROOTS',
    group: EnvGroup.Tools,
    default: "the agent's working directory",
    readBy: 'agents (`read_file`)',
    description: 'The folders `read_file` may read, comma-separated; nothing outside them.',
  },
  {
    name: 'TROUPE_HTTP_ALLOW',
    group: EnvGroup.Tools,
    default: 'none: every host is refused',
    readBy: 'agents (`http_fetch`)',
    description:
      'The hosts `http_fetch` may fetch from, comma-separated (`example.com`, `*.example.com`, `host:port`).',
  },
  // ---- Telemetry ----
  {
    name: 'OTEL_SDK_DISABLED',
    group: EnvGroup.Telemetry,
    default: '`false`',
    readBy: TELEMETRY,
    description: '`true`: no telemetry at all (no spans, no metrics, no span feed for the dashboard).',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    group: EnvGroup.Telemetry,
    default: 'none: nothing is exported',
    readBy: TELEMETRY,
    description:
      'An OTLP/HTTP collector (`http://127.0.0.1:4318`); traces go to `…/v1/traces`, metrics to `…/v1/metrics`. Unlike the OpenTelemetry default, nothing is exported when no endpoint and no exporter is named.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    group: EnvGroup.Telemetry,
    default: 'from `OTEL_EXPORTER_OTLP_ENDPOINT`',
    readBy: TELEMETRY,
    description: 'The full URL traces are sent to.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
    group: EnvGroup.Telemetry,
    default: 'from `OTEL_EXPORTER_OTLP_ENDPOINT`',
    readBy: TELEMETRY,
    description: 'The full URL metrics are sent to.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    group: EnvGroup.Telemetry,
    default: 'OTLP/HTTP',
    readBy: TELEMETRY,
    description: 'Only OTLP over HTTP is sent; `grpc` gets a warning and OTLP/HTTP.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
    group: EnvGroup.Telemetry,
    default: '`OTEL_EXPORTER_OTLP_PROTOCOL`',
    readBy: TELEMETRY,
    description: 'The same, for traces.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL',
    group: EnvGroup.Telemetry,
    default: '`OTEL_EXPORTER_OTLP_PROTOCOL`',
    readBy: TELEMETRY,
    description: 'The same, for metrics.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_HEADERS',
    group: EnvGroup.Telemetry,
    default: none,
    readBy: TELEMETRY,
    description: 'Headers sent to the collector, `key=value,key2=value2` (e.g. `authorization=Bearer%20…`).',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
    group: EnvGroup.Telemetry,
    default: none,
    readBy: TELEMETRY,
    description: 'More headers for traces (added to `OTEL_EXPORTER_OTLP_HEADERS`).',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_METRICS_HEADERS',
    group: EnvGroup.Telemetry,
    default: none,
    readBy: TELEMETRY,
    description: 'More headers for metrics.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TIMEOUT',
    group: EnvGroup.Telemetry,
    default: "the exporter's",
    readBy: TELEMETRY,
    description: 'Milliseconds an export may take.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT',
    group: EnvGroup.Telemetry,
    default: '`OTEL_EXPORTER_OTLP_TIMEOUT`',
    readBy: TELEMETRY,
    description: 'The same, for traces.',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_METRICS_TIMEOUT',
    group: EnvGroup.Telemetry,
    default: '`OTEL_EXPORTER_OTLP_TIMEOUT`',
    readBy: TELEMETRY,
    description: 'The same, for metrics.',
  },
  {
    name: 'OTEL_TRACES_EXPORTER',
    group: EnvGroup.Telemetry,
    default: '`otlp` when an endpoint is set',
    readBy: TELEMETRY,
    description:
      'Comma-separated: `otlp` (to `http://localhost:4318/v1/traces` when no endpoint is set), `console`, `none`.',
  },
  {
    name: 'OTEL_METRICS_EXPORTER',
    group: EnvGroup.Telemetry,
    default: '`otlp` when an endpoint is set',
    readBy: TELEMETRY,
    description: 'Comma-separated: `otlp`, `console`, `prometheus` (serves `/metrics`, see below), `none`.',
  },
  {
    name: 'OTEL_METRIC_EXPORT_INTERVAL',
    group: EnvGroup.Telemetry,
    default: '`60000`',
    readBy: TELEMETRY,
    description: 'Milliseconds between OTLP metric exports.',
  },
  {
    name: 'OTEL_METRIC_EXPORT_TIMEOUT',
    group: EnvGroup.Telemetry,
    default: '`30000` (at most the interval)',
    readBy: TELEMETRY,
    description: 'Milliseconds a metric export may take.',
  },
  {
    name: 'OTEL_TRACES_SAMPLER',
    group: EnvGroup.Telemetry,
    default: `${SDK_DEFAULT} (\`parentbased_always_on\`)`,
    readBy: TELEMETRY,
    description:
      '`always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off`, `parentbased_traceidratio`.',
  },
  {
    name: 'OTEL_TRACES_SAMPLER_ARG',
    group: EnvGroup.Telemetry,
    default: '`1`',
    readBy: TELEMETRY,
    description: 'The ratio, 0 to 1, of the `traceidratio` samplers.',
  },
  {
    name: 'OTEL_BSP_MAX_QUEUE_SIZE',
    group: EnvGroup.Telemetry,
    default: SDK_DEFAULT,
    readBy: TELEMETRY,
    description: 'Spans the OTLP batch processor holds at most.',
  },
  {
    name: 'OTEL_BSP_SCHEDULE_DELAY',
    group: EnvGroup.Telemetry,
    default: SDK_DEFAULT,
    readBy: TELEMETRY,
    description: 'Milliseconds between two OTLP span exports.',
  },
  {
    name: 'OTEL_BSP_EXPORT_TIMEOUT',
    group: EnvGroup.Telemetry,
    default: SDK_DEFAULT,
    readBy: TELEMETRY,
    description: 'Milliseconds one span export may take.',
  },
  {
    name: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
    group: EnvGroup.Telemetry,
    default: SDK_DEFAULT,
    readBy: TELEMETRY,
    description: 'Spans per OTLP export at most.',
  },
  {
    name: 'OTEL_RESOURCE_ATTRIBUTES',
    group: EnvGroup.Telemetry,
    default: none,
    readBy: TELEMETRY,
    description:
      "Resource attributes, `key=value,…` (e.g. `deployment.environment=prod`). Troupe's own (`service.name`, `service.instance.id`, `host.name`, `process.pid`, `troupe.agent.role`) take precedence.",
  },
  {
    name: 'OTEL_SERVICE_NAME',
    group: EnvGroup.Telemetry,
    default: none,
    readBy: TELEMETRY,
    description:
      "Read, but each process's own service name (`troupe-api`, `troupe-supervisor`, `troupe-agent`, or the `serviceName` given to `initTelemetry`) takes precedence.",
  },
  {
    name: 'OTEL_LOG_LEVEL',
    group: EnvGroup.Telemetry,
    default: none,
    readBy: TELEMETRY,
    description:
      "The OpenTelemetry SDK's own diagnostic messages on the console (`debug`, `info`, `warn`, `error`, …).",
  },
  {
    name: 'TROUPE_CAPTURE_CONTENT',
    group: EnvGroup.Telemetry,
    default: '`false`',
    readBy: `${TELEMETRY}; agents`,
    description:
      "`true` or `1`: prompts, completions and tool results go on the spans and into the audit log; otherwise only their digests (a tool call's arguments are always audited).",
  },
  {
    name: 'TROUPE_PROMETHEUS_PORT',
    group: EnvGroup.Telemetry,
    default: 'none: no `/metrics` server',
    readBy: TELEMETRY,
    description:
      'Serve `GET /metrics` (Prometheus) on this port; `0` picks one. The API serves `/metrics` on its own port without it. Every process `troupe up` starts gets the same environment, so set it only for processes you start one by one.',
  },
  {
    name: 'TROUPE_PROMETHEUS_HOST',
    group: EnvGroup.Telemetry,
    default: 'every interface',
    readBy: TELEMETRY,
    description: 'The address the `/metrics` server listens on.',
  },
  {
    name: 'OTEL_EXPORTER_PROMETHEUS_PORT',
    group: EnvGroup.Telemetry,
    default: '`9464` when `OTEL_METRICS_EXPORTER` names `prometheus`',
    readBy: TELEMETRY,
    description: 'The `/metrics` port when `TROUPE_PROMETHEUS_PORT` is not set.',
  },
  {
    name: 'OTEL_EXPORTER_PROMETHEUS_HOST',
    group: EnvGroup.Telemetry,
    default: 'every interface',
    readBy: TELEMETRY,
    description: 'The `/metrics` address when `TROUPE_PROMETHEUS_HOST` is not set.',
  },
  // ---- Logs ----
  {
    name: 'TROUPE_LOG_LEVEL',
    group: EnvGroup.Logs,
    default: '`info`',
    readBy: EVERY_PROCESS,
    description: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.',
  },
  {
    name: 'LOG_LEVEL',
    group: EnvGroup.Logs,
    default: none,
    readBy: EVERY_PROCESS,
    description: 'Used when `TROUPE_LOG_LEVEL` is not set.',
  },
  {
    name: 'NODE_ENV',
    group: EnvGroup.Logs,
    default: none,
    readBy: EVERY_PROCESS,
    description:
      '`test` or `production`: log lines stay JSON on a terminal too (they are human-readable on a terminal otherwise).',
    notProbed: 'read only when standard output is a terminal',
  },
  {
    name: 'CI',
    group: EnvGroup.Logs,
    default: none,
    readBy: EVERY_PROCESS,
    description: 'Set: log lines stay JSON on a terminal too.',
    notProbed: 'read only when standard output is a terminal',
  },
  {
    name: 'VITEST',
    group: EnvGroup.Logs,
    default: none,
    readBy: EVERY_PROCESS,
    description: 'Set (by vitest): log lines stay JSON on a terminal too.',
    notProbed: 'read only when standard output is a terminal',
  },
];
