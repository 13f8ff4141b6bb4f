import { isBusError, TroupeError } from '@troupe/bus';
import { isCliError } from './errors.js';

/**
 * The lines the CLI prints for an error: the message and what to do, never a stack trace for a mistake of
 * the user's or of the surroundings (a Troupe error). Other errors are bugs: their stack is shown with
 * TROUPE_DEBUG=1.
 */
export function describeError(
  err: unknown,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { message: string; hint?: string; stack?: string } {
  if (isCliError(err)) return { message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  if (isBusError(err, 'CONNECT_FAILED')) {
    const refused = /authori[sz]ation|authentication|certificate|tls/i.test(err.message);
    return {
      message: err.message,
      hint: refused
        ? 'the server refused the credentials or TLS: check --creds, --nkey, --user/--password, --token, --tls-* or the TROUPE_NATS_* variables'
        : 'start nats-server (or `troupe up`), or set NATS_URL / --nats to a running server',
    };
  }
  if (err instanceof TroupeError) return { message: err.message };
  const e = err instanceof Error ? err : new Error(String(err));
  return { message: e.message, ...(env['TROUPE_DEBUG'] && e.stack ? { stack: e.stack } : {}) };
}

export function formatErrorLines(err: unknown, env?: Readonly<Record<string, string | undefined>>): string {
  const d = describeError(err, env);
  return (
    [`error: ${d.message}`, ...(d.hint ? [`  ${d.hint}`] : []), ...(d.stack ? [d.stack] : [])].join('\n') +
    '\n'
  );
}
