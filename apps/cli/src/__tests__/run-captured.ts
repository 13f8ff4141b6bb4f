import { PassThrough } from 'node:stream';
import { runCli } from '../cli.js';

/** Runs the CLI in this process with `env` as its environment; resolves to its exit code and what it printed. */
export async function runCaptured(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runCli(args, { stdout, stderr, env });
  return { code, stdout: out, stderr: err };
}
