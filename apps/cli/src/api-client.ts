import {
  createClient,
  isTroupeApiError,
  ProblemType,
  TroupeApiErrorCode,
  type TroupeClient,
} from '@troupe/client';
import { CliError, CliErrorCode } from './errors.js';

export const DEFAULT_API_URL = 'http://127.0.0.1:3000';

export interface ApiTarget {
  /** The API's base URL. */
  api: string;
  key?: string;
}

/** `--api` / `--key`, else `TROUPE_API_URL` / `TROUPE_API_KEY`, else the local default. */
export function resolveApiTarget(
  flags: { api?: string; key?: string },
  env: Readonly<Record<string, string | undefined>>,
): ApiTarget {
  const api = (flags.api ?? env['TROUPE_API_URL']?.trim()) || DEFAULT_API_URL;
  if (!/^https?:\/\//.test(api) || !URL.canParse(api)) {
    throw new CliError(CliErrorCode.InvalidArgument, `the API URL "${api}" is not an http(s) URL`, {
      hint: 'pass --api http://host:port or set TROUPE_API_URL',
    });
  }
  const key = flags.key ?? (env['TROUPE_API_KEY']?.trim() || undefined);
  return { api: api.replace(/\/+$/, ''), ...(key ? { key } : {}) };
}

export function clientFor(target: ApiTarget): TroupeClient {
  return createClient({ baseUrl: target.api, ...(target.key ? { apiKey: target.key } : {}) });
}

/** Turns a client error into a message that says what to do: start the API, pass a key, fix the request. */
export function explainApiError(err: unknown, target: ApiTarget): unknown {
  if (!isTroupeApiError(err)) return err;
  switch (err.code) {
    case TroupeApiErrorCode.Network:
      return new CliError(CliErrorCode.ApiUnreachable, `cannot reach the Troupe API at ${target.api}`, {
        cause: err,
        hint: 'start one with `troupe up` (or `troupe api`), or pass --api URL / set TROUPE_API_URL',
      });
    case TroupeApiErrorCode.Unauthorized:
      return new CliError(
        CliErrorCode.ApiRejected,
        `the API at ${target.api} refused the request: ${detailOf(err)}`,
        {
          cause: err,
          hint: target.key
            ? 'check the key (--key or TROUPE_API_KEY)'
            : 'pass an API key with --key or set TROUPE_API_KEY',
        },
      );
    default: {
      const hint =
        err.problem?.type === ProblemType.UnknownWorkflow
          ? '`troupe workflows` lists them with their steps'
          : undefined;
      return new CliError(CliErrorCode.ApiRejected, detailOf(err), { cause: err, ...(hint ? { hint } : {}) });
    }
  }
}

function detailOf(err: {
  message: string;
  problem?: { type: string; detail: string; errors?: Array<{ path: string; message: string }> } | undefined;
}): string {
  const problem = err.problem;
  if (!problem) return err.message;
  if (problem.type !== ProblemType.Validation) return problem.detail;
  const fields = (problem.errors ?? []).map((e) => `${e.path || '(input)'}: ${e.message}`);
  return fields.length > 0 && !fields.every((f) => problem.detail.includes(f))
    ? `${problem.detail} (${fields.join('; ')})`
    : problem.detail;
}

/** Runs a client call, turning its failure into a CLI error. */
export async function callApi<T>(target: ApiTarget, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw explainApiError(err, target);
  }
}

/** Where the API serves the dashboard; with a task id, that task's page. */
export function dashboardUrl(apiUrl: string, taskId?: string): string {
  const base = `${apiUrl.replace(/\/+$/, '')}/ui/`;
  return taskId === undefined ? base : `${base}#/tasks/${encodeURIComponent(taskId)}`;
}
