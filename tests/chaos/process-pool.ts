import type { TsProcess } from '@troupe/bus/testing';

/** A fixed number of like processes (agents, or supervisors): a killed one is replaced by a new one. */
export interface ProcessPool extends AsyncDisposable {
  readonly name: string;
  /** The processes running now. */
  readonly live: readonly TsProcess[];
  /** Every process the pool started, the killed ones too. */
  readonly all: readonly TsProcess[];
  /** SIGKILLs the process at `index`, waits for its exit, then starts a replacement and waits until it is ready. */
  replace(index: number): Promise<void>;
}

/** Starts `size` processes with `spawn` and waits until each printed `ready`. */
export async function startProcessPool(
  name: string,
  size: number,
  spawn: () => TsProcess,
): Promise<ProcessPool> {
  const live: TsProcess[] = [];
  const retired: TsProcess[] = [];
  const started = async () => {
    const p = spawn();
    live.push(p);
    await p.waitForLine(/^ready /, 60_000);
  };
  await Promise.all(Array.from({ length: size }, started));
  return {
    name,
    live,
    get all() {
      return [...retired, ...live];
    },
    async replace(index) {
      const [victim] = live.splice(index, 1);
      if (!victim) throw new Error(`${name}: no process at ${index}`);
      retired.push(victim);
      await victim.kill('SIGKILL');
      await started();
    },
    async [Symbol.asyncDispose]() {
      await Promise.all([...live, ...retired].map((p) => p[Symbol.asyncDispose]()));
    },
  };
}
