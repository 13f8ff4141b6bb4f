export { startNatsServer, startNatsCluster, findNatsServerBinary } from './nats-server.js';
export type { NatsServer, NatsCluster, NatsServerOptions } from './nats-server.js';
export { freePort } from '../free-port.js';
export { createSimulatedClock } from '../clock.js';
export { spawnTs, tsNodeArgs, repoRoot } from './spawn-ts.js';
export type { TsProcess } from './spawn-ts.js';
export { watchChild } from './child-output.js';
export type { ChildOutput, ChildExit } from './child-output.js';
