import type { ChildProcess } from 'node:child_process';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What a test reads from a child process: its output so far, its exit, the lines it prints. */
export interface ChildOutput {
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<ChildExit>;
  /**
   * The first stdout line matching. Fails when the process ends without printing one, or after `timeoutMs`
   * when given (otherwise the test's own timeout bounds the wait).
   */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** Collects a child's output (spawned with stdout and stderr piped) from now on. */
export function watchChild(child: ChildProcess): ChildOutput {
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    for (const listener of [...listeners]) listener();
  });
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<ChildExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // 'close' comes after the exit and after the last of the output: a line printed just before exiting is seen.
  const closed = new Promise<ChildExit>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLine(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const fail = (why: string) => {
          if (!listeners.delete(check)) return;
          if (timer) clearTimeout(timer);
          reject(new Error(`${why} ${pattern}.\nstdout:\n${out}\nstderr:\n${err}`));
        };
        const check = () => {
          const line = out.split('\n').find((l) => pattern.test(l));
          if (line === undefined) return;
          listeners.delete(check);
          if (timer) clearTimeout(timer);
          resolve(line);
        };
        const timer =
          timeoutMs === undefined
            ? undefined
            : setTimeout(() => fail(`no line within ${timeoutMs} ms matching`), timeoutMs);
        void closed.then(({ code, signal }) =>
          fail(`the process exited (${code ?? signal}) before a line matching`),
        );
        listeners.add(check);
        check();
      });
    },
  };
}
