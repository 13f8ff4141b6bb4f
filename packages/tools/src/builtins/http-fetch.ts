import { z } from 'zod';
import { defineTool } from '../define-tool.js';
import { ToolError, ToolsErrorCode } from '../errors.js';
import { parseOptions } from '../options.js';
import type { Tool } from '../tool.js';

export interface HttpFetchToolOptions {
  /**
   * Hosts the tool may reach: `example.com` (that host only), `*.example.com` (its subdomains),
   * `127.0.0.1:8080` (one port). Every other host, redirects included, is FORBIDDEN.
   */
  allowHosts: string[];
  /** Default 10 s. */
  timeoutMs?: number;
  /** Body bytes kept; the rest is dropped and `truncated` set. Default 512 KiB. */
  maxBytes?: number;
  /** At most this many redirects, each checked against the allowlist. Default 5. */
  maxRedirects?: number;
  /** Extra request headers (a user agent, an API key for an allowed host). */
  headers?: Record<string, string>;
}

export interface HttpFetchResult {
  /** The URL finally fetched, after redirects. */
  url: string;
  status: number;
  contentType: string;
  bytes: number;
  truncated: boolean;
  text: string;
}

const optionsSchema = z.object({
  allowHosts: z.array(
    z
      .string()
      .regex(
        /^(\*\.)?[a-zA-Z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:]+\](:\d{1,5})?$/,
        'must be a host name, "*.domain" or "host:port"',
      ),
  ),
  timeoutMs: z.number().int().positive().optional(),
  maxBytes: z.number().int().positive().optional(),
  maxRedirects: z.number().int().min(0).max(20).optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

const input = z.object({
  url: z.string().min(1).max(4096).describe('The http(s) URL to GET.'),
});

/** Node's fetch error codes worth a retry. */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE', 'UND_ERR_SOCKET']);

/** `http_fetch`: GET a URL on an allowed host; returns status, content type and the body as text. */
export function createHttpFetchTool(
  options: HttpFetchToolOptions,
): Tool<z.output<typeof input>, HttpFetchResult> {
  const opts = parseOptions(optionsSchema, options, 'createHttpFetchTool');
  const maxBytes = opts.maxBytes ?? 512 * 1024;
  const maxRedirects = opts.maxRedirects ?? 5;
  const allow = opts.allowHosts.map((h) => h.toLowerCase());

  const check = (raw: string): URL => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch (err) {
      throw new ToolError(ToolsErrorCode.InvalidArguments, `"${raw}" is not a valid absolute URL.`, {
        cause: err,
      });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ToolError(
        ToolsErrorCode.Forbidden,
        `Only http and https URLs may be fetched, not ${url.protocol}`,
      );
    }
    if (url.username || url.password)
      throw new ToolError(ToolsErrorCode.Forbidden, 'URLs with credentials are not fetched.');
    if (!isAllowed(url, allow)) {
      throw new ToolError(
        ToolsErrorCode.Forbidden,
        `Host "${url.host}" is not on the allowlist; allowed: ${allow.length > 0 ? allow.join(', ') : '(none)'}.`,
      );
    }
    return url;
  };

  return defineTool({
    name: 'http_fetch',
    description: `HTTP GET of a URL on an allowed host (${allow.join(', ') || 'none'}); returns status, content type and body text (at most ${maxBytes} bytes).`,
    input,
    timeoutMs: opts.timeoutMs ?? 10_000,
    async run({ url: raw }, { signal }) {
      let url = check(raw);
      for (let redirects = 0; ; redirects++) {
        let response: Response;
        try {
          response = await fetch(url, {
            method: 'GET',
            redirect: 'manual',
            signal,
            headers: opts.headers ?? {},
          });
        } catch (err) {
          if (signal.aborted) throw err;
          const code = (err as { cause?: { code?: string } }).cause?.code;
          throw new ToolError(
            ToolsErrorCode.Failed,
            `GET ${url.href} failed: ${code ?? (err as Error).message}`,
            {
              cause: err,
              transient: code !== undefined && TRANSIENT_CODES.has(code),
            },
          );
        }
        const location = response.headers.get('location');
        if (response.status >= 300 && response.status < 400 && location) {
          await response.body?.cancel();
          if (redirects >= maxRedirects)
            throw new ToolError(ToolsErrorCode.Failed, `Too many redirects from ${raw}.`);
          url = check(new URL(location, url).href);
          continue;
        }
        const { bytes, truncated, body } = await readCapped(response, maxBytes);
        return {
          url: url.href,
          status: response.status,
          contentType: response.headers.get('content-type') ?? '',
          bytes,
          truncated,
          text: new TextDecoder('utf-8', { fatal: false }).decode(body),
        };
      }
    },
  });
}

function isAllowed(url: URL, allow: readonly string[]): boolean {
  const host = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allow.some((entry) => {
    const [, pattern = entry, wantedPort] = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry) ?? [];
    if (wantedPort !== undefined && wantedPort !== port) return false;
    if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
    return host === pattern;
  });
}

async function readCapped(
  response: Response,
  maxBytes: number,
): Promise<{ bytes: number; truncated: boolean; body: Uint8Array }> {
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let truncated = false;
  const reader = response.body?.getReader();
  if (!reader) return { bytes: 0, truncated: false, body: new Uint8Array() };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = maxBytes - kept;
    if (value.length > room) {
      chunks.push(value.subarray(0, room));
      kept += room;
      truncated = true;
      await reader.cancel();
      break;
    }
    chunks.push(value);
    kept += value.length;
  }
  const body = new Uint8Array(kept);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return { bytes: kept, truncated, body };
}
