import { spawnSync } from 'node:child_process';

/** Network namespaces on one bridge: each with its own address, reachable from this (the root) namespace. */
export interface NetnsBridge {
  readonly namespaces: ReadonlyArray<{ name: string; ip: string }>;
  /** Removes the namespaces (and their veth pairs) and the bridge. */
  dispose(): void;
}

const run = (args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });

/** True when this process may create network namespaces and veth pairs (root, `ip` installed). */
export function netnsAvailable(): boolean {
  const probe = `troupe-probe-${process.pid}`;
  if (run(['netns', 'add', probe]).status !== 0) return false;
  run(['netns', 'del', probe]);
  return true;
}

/**
 * `size` network namespaces, each joined to a bridge in the root namespace by a veth pair, on a /24 of its
 * own per process (10.<pid>.x): as separate hosts as one machine allows. Fails naming the `ip` command that
 * failed, after removing what it made.
 */
export function createNetnsBridge(size: number): NetnsBridge {
  const tag = (process.pid % 10_000).toString(36);
  const subnet = `10.${200 + (process.pid % 50)}.${Math.floor(process.pid / 50) % 250}`;
  const bridge = `trb${tag}`;
  const namespaces = Array.from({ length: size }, (_, i) => ({
    name: `troupe-${tag}-${i + 1}`,
    ip: `${subnet}.${i + 2}`,
  }));
  const dispose = () => {
    for (const ns of namespaces) run(['netns', 'del', ns.name]);
    run(['link', 'del', bridge]);
  };
  const steps: string[][] = [
    ['link', 'add', bridge, 'type', 'bridge'],
    ['addr', 'add', `${subnet}.1/24`, 'dev', bridge],
    ['link', 'set', bridge, 'up'],
  ];
  namespaces.forEach((ns, i) => {
    const [outer, inner] = [`trv${tag}${i}`, `trp${tag}${i}`];
    steps.push(
      ['netns', 'add', ns.name],
      ['link', 'add', outer, 'type', 'veth', 'peer', 'name', inner],
      ['link', 'set', inner, 'netns', ns.name],
      ['link', 'set', outer, 'master', bridge],
      ['link', 'set', outer, 'up'],
      ['-n', ns.name, 'addr', 'add', `${ns.ip}/24`, 'dev', inner],
      ['-n', ns.name, 'link', 'set', inner, 'up'],
      ['-n', ns.name, 'link', 'set', 'lo', 'up'],
    );
  });
  for (const args of steps) {
    const result = run(args);
    if (result.status !== 0) {
      dispose();
      throw new Error(`ip ${args.join(' ')} failed: ${result.stderr.trim()}`);
    }
  }
  return { namespaces, dispose };
}
