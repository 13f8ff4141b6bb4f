export {
  startNatsServer,
  startNatsCluster,
  startNatsClusterFromFiles,
  findNatsServerBinary,
} from './nats-server.js';
export type { NatsServer, NatsCluster, NatsServerOptions } from './nats-server.js';
export { createNetnsBridge, netnsAvailable } from './netns.js';
export type { NetnsBridge } from './netns.js';
export { freePort } from '../free-port.js';
export { createSimulatedClock } from '../clock.js';
export { spawnTs, tsNodeArgs, repoRoot } from './spawn-ts.js';
export type { TsProcess } from './spawn-ts.js';
export { spawnNode } from './spawn-node.js';
export type { NodeProcess, SpawnNodeOptions } from './spawn-node.js';
export { watchChild } from './child-output.js';
export type { ChildOutput, ChildExit } from './child-output.js';
export { startTestBus } from './test-bus.js';
export type { TestBus } from './test-bus.js';
export { natsHandles, natsHeaders } from './nats-handles.js';
export type { NatsHandles } from './nats-handles.js';
export { makeTlsCertificates } from './tls-certificates.js';
export { makeUserCreds, type UserCreds } from './user-creds.js';
export type { TlsCertificates } from './tls-certificates.js';
