/** Where a command writes and what it reads from its surroundings; tests pass their own. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env };

/** Writes lines: `out` for data and results, `info` for progress and notes (stderr under `--json`). */
export interface Printer {
  out(text?: string): void;
  info(text?: string): void;
  json(value: unknown): void;
  readonly isTTY: boolean;
  readonly jsonMode: boolean;
}

export function createPrinter(io: CliIo, jsonMode = false): Printer {
  const line = (stream: NodeJS.WritableStream, text = '') => {
    stream.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  return {
    out: (text) => line(io.stdout, text),
    info: (text) => line(jsonMode ? io.stderr : io.stdout, text),
    json: (value) => line(io.stdout, JSON.stringify(value)),
    isTTY: io.stdout.isTTY === true,
    jsonMode,
  };
}
