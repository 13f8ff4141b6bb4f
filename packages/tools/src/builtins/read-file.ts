import { open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { defineTool } from '../define-tool.js';
import { ToolError, ToolsErrorCode } from '../errors.js';
import { parseOptions } from '../options.js';
import type { Tool } from '../tool.js';

export interface ReadFileToolOptions {
  /** The folders the tool may read from; nothing outside them, symlinks included. Relative paths resolve against the first. */
  roots: string[];
  /** Files longer than this are cut (and `truncated` is set). Default 256 KiB. */
  maxBytes?: number;
}

export interface ReadFileResult {
  /** The path asked for, relative to its root. */
  path: string;
  bytes: number;
  truncated: boolean;
  text: string;
}

const optionsSchema = z.object({
  roots: z.array(z.string().min(1)).min(1, 'name at least one folder the tool may read'),
  maxBytes: z.number().int().positive().optional(),
});

const input = z.object({
  path: z
    .string()
    .min(1)
    .max(4096)
    .describe('Path of the file, relative to the allowed folder (or absolute inside it).'),
});

/** `read_file`: reads a text file from inside the allowed folders. `..` escapes and symlinks pointing out are FORBIDDEN. */
export function createReadFileTool(
  options: ReadFileToolOptions,
): Tool<z.output<typeof input>, ReadFileResult> {
  const opts = parseOptions(optionsSchema, options, 'createReadFileTool');
  const maxBytes = opts.maxBytes ?? 256 * 1024;
  const roots = opts.roots.map((r) => path.resolve(r));
  let realRoots: Promise<string[]> | undefined;

  return defineTool({
    name: 'read_file',
    description: `Reads a text file from the allowed folders (${roots.join(', ')}). Returns at most ${maxBytes} bytes.`,
    input,
    timeoutMs: 10_000,
    async run({ path: asked }) {
      realRoots ??= Promise.all(roots.map((r) => realpath(r).catch(() => r)));
      const allowed = await realRoots;
      const lexical = path.resolve(roots[0] as string, asked);
      if (
        !roots.some((root) => isInside(root, lexical)) &&
        !allowed.some((root) => isInside(root, lexical))
      ) {
        throw forbidden(asked);
      }
      let real: string;
      try {
        real = await realpath(lexical);
      } catch (err) {
        throw new ToolError(ToolsErrorCode.Failed, `No such file: "${asked}".`, { cause: err });
      }
      const root = allowed.find((r) => isInside(r, real));
      if (root === undefined) throw forbidden(asked);
      const info = await stat(real);
      if (!info.isFile()) throw new ToolError(ToolsErrorCode.Failed, `"${asked}" is not a file.`);

      const handle = await open(real, 'r');
      try {
        const size = Math.min(info.size, maxBytes);
        const buffer = Buffer.alloc(size);
        const { bytesRead } = await handle.read(buffer, 0, size, 0);
        const content = buffer.subarray(0, bytesRead);
        if (content.subarray(0, 8192).includes(0)) {
          throw new ToolError(
            ToolsErrorCode.Failed,
            `"${asked}" is a binary file; only text files can be read.`,
          );
        }
        return {
          path: path.relative(root, real).split(path.sep).join('/'),
          bytes: info.size,
          truncated: info.size > bytesRead,
          text: content.toString('utf8'),
        };
      } finally {
        await handle.close();
      }
    },
  });
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

function forbidden(asked: string): ToolError {
  return new ToolError(
    ToolsErrorCode.Forbidden,
    `Access denied: "${asked}" is outside the folders this tool may read.`,
  );
}
