import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, release, totalmem, type as osType } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { findNatsServerBinary, repoRoot } from '@troupe/bus/testing';
import { Redis } from 'ioredis';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  natsServer: string;
  redis: string;
  packages: Record<string, string>;
  /** The commit measured, and how many files under packages/ differ from it. */
  git: { commit: string; changedFiles: number };
  /** How busy the cores were (%, all of them) during the second before the run: other work skews every figure. */
  cpuBusyBeforePct: number;
}

function cpuTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** The share of all cores in use during `ms` milliseconds, from /proc/stat. */
export async function cpuBusyPercent(ms = 1_000): Promise<number> {
  const a = cpuTicks();
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuTicks();
  return Math.round(((b.busy - a.busy) / Math.max(1, b.total - a.total)) * 1000) / 10;
}

/** The version of a package as `from` resolves it (walking up from its entry point to its package.json). */
function versionOf(pkg: string, from: string): string {
  try {
    let dir = dirname(createRequire(join(from, 'package.json')).resolve(pkg));
    for (;;) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (json.name === pkg) return json.version ?? '?';
      }
      const parent = dirname(dir);
      if (parent === dir) return '?';
      dir = parent;
    }
  } catch {
    return '?';
  }
}

/**
 * Waits (up to `maxMs`) for a second in which the cores are less than `threshold`% busy, so the run does
 * not start on top of other work; resolves with the last reading.
 */
export async function waitForQuietCpu(threshold = 15, maxMs = 60_000): Promise<number> {
  const deadline = Date.now() + maxMs;
  let busy = await cpuBusyPercent();
  while (busy >= threshold && Date.now() < deadline) busy = await cpuBusyPercent();
  return busy;
}

export async function machineInfo(redisPort: number): Promise<MachineInfo> {
  const root = repoRoot();
  const nats = spawnSync(findNatsServerBinary(), ['--version'], { encoding: 'utf8' }).stdout.trim();
  const redis = new Redis({ host: '127.0.0.1', port: redisPort, lazyConnect: true, maxRetriesPerRequest: 1 });
  let redisVersion: string;
  try {
    await redis.connect();
    redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
  } catch {
    redisVersion = 'not reachable';
  } finally {
    redis.disconnect();
  }
  const bench = join(root, 'bench');
  const at = (pkg: string, where: string) => [pkg, versionOf(pkg, join(root, where))] as const;
  return {
    cpuBusyBeforePct: await cpuBusyPercent(),
    git: {
      commit:
        spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim() ||
        '?',
      changedFiles: spawnSync('git', ['status', '--porcelain', '--', 'packages'], {
        cwd: root,
        encoding: 'utf8',
      })
        .stdout.split('\n')
        .filter(Boolean).length,
    },
    cpu: cpus()[0]?.model ?? '?',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
    natsServer: nats,
    redis: redisVersion,
    packages: Object.fromEntries([
      at('@nats-io/transport-node', 'packages/bus'),
      at('@nats-io/jetstream', 'packages/bus'),
      at('xstate', 'packages/supervisor'),
      at('zod', 'packages/bus'),
      at('@langchain/langgraph', 'bench'),
      at('@langchain/langgraph-checkpoint-sqlite', 'bench'),
      at('better-sqlite3', 'bench'),
      at('bullmq', 'bench'),
      at('ioredis', 'bench'),
      ['tsx', versionOf('tsx', bench)],
    ]),
  };
}
