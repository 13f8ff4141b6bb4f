export { runCli, createProgram } from './cli.js';
export { CliError, CliErrorCode, isCliError } from './errors.js';
export type { CliIo } from './io.js';
export { startLocalTroupe, AGENT_PROCESSES } from './local/local-troupe.js';
export type { LocalTroupe, LocalTroupeOptions, LocalProcess } from './local/local-troupe.js';
export { AGENT_LAYOUTS, type AgentLayout } from './local/agent-layout.js';
export { DEFAULT_DEMO_QUESTION } from './options.js';
