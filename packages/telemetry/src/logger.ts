import { createRequire } from 'node:module';
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import {
  pino,
  stdSerializers,
  type DestinationStream,
  type LevelWithSilent,
  type Logger as PinoLogger,
} from 'pino';
import type PinoPretty from 'pino-pretty';
import { z } from 'zod';
import { REDACT_PATHS, scrubSecrets } from './scrub-secrets.js';
import { parseOptions } from './validate.js';

export type Logger = PinoLogger;

export interface LoggerOptions {
  /** The component, e.g. `supervisor`, `agent.researcher`. */
  name: string;
  /** Default: `TROUPE_LOG_LEVEL`, then `LOG_LEVEL`, then `info`. */
  level?: LevelWithSilent;
  /** Human-readable lines (pino-pretty); default: on when logging to a TTY stdout outside CI, tests and production. */
  pretty?: boolean;
  /** Where lines go instead of stdout (a file, a test's capture stream). */
  destination?: DestinationStream;
  env?: Readonly<Record<string, string | undefined>>;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const OptionsSchema = z.object({
  name: z.string().min(1),
  level: z.enum(LEVELS).optional(),
  pretty: z.boolean().optional(),
  destination: z
    .custom<DestinationStream>((v) => typeof v === 'object' && v !== null && 'write' in v)
    .optional(),
  // process.env is not a plain object, so z.record() refuses it.
  env: z
    .custom<Readonly<Record<string, string | undefined>>>(
      (v) => typeof v === 'object' && v !== null,
      'expected an object of strings',
    )
    .optional(),
});

function defaultLevel(env: Readonly<Record<string, string | undefined>>): LevelWithSilent {
  const wanted = (env['TROUPE_LOG_LEVEL'] ?? env['LOG_LEVEL'])?.trim().toLowerCase();
  return (LEVELS as readonly string[]).includes(wanted ?? '') ? (wanted as LevelWithSilent) : 'info';
}

function prettyByDefault(env: Readonly<Record<string, string | undefined>>): boolean {
  return (
    process.stdout.isTTY === true &&
    !env['CI'] &&
    !env['VITEST'] &&
    env['NODE_ENV'] !== 'test' &&
    env['NODE_ENV'] !== 'production'
  );
}

/** Adds the active span's ids, so a log line joins its trace. */
function traceMixin(): Record<string, string> {
  const sc = trace.getSpanContext(context.active());
  if (sc === undefined || !isSpanContextValid(sc)) return {};
  return { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: sc.traceFlags & 1 ? '01' : '00' };
}

function scrubArgs(args: unknown[]): void {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (typeof arg === 'string') args[i] = scrubSecrets(arg);
  }
}

function prettyStream(destination: DestinationStream | undefined): DestinationStream {
  // Loaded only when wanted: production processes log JSON and never pay for pino-pretty.
  const build = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return build({
    colorize: destination === undefined && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    sync: true,
    ...(destination !== undefined ? { destination } : {}),
  });
}

/**
 * A pino logger: JSON lines with `trace_id`/`span_id` of the active span, secrets redacted by path
 * (`apiKey`, `password`, `token`, `authorization` headers, nkey seeds, creds, ...) and by value
 * (strings that look like `sk-...` keys, `Bearer ...` tokens, JWTs, nkey seeds) in messages,
 * top-level string fields and errors.
 */
export function createLogger(options: LoggerOptions): Logger {
  const o = parseOptions('createLogger', OptionsSchema, options);
  const env = o.env ?? process.env;
  const pretty = o.pretty ?? (o.destination === undefined && prettyByDefault(env));
  const destination = pretty ? prettyStream(o.destination) : o.destination;
  const logger = pino(
    {
      name: o.name,
      level: o.level ?? defaultLevel(env),
      redact: { paths: [...REDACT_PATHS], censor: '[REDACTED]' },
      mixin: traceMixin,
      hooks: {
        logMethod(args, method) {
          scrubArgs(args);
          method.apply(this, args);
        },
      },
      formatters: {
        // `log` receives a fresh object (the mixin's result merged with the caller's fields), so
        // rewriting its top-level strings never touches the caller's data.
        log(object) {
          for (const key in object) {
            const value = object[key];
            if (typeof value === 'string') object[key] = scrubSecrets(value);
          }
          return object;
        },
      },
      serializers: {
        err(err: Error) {
          const out = stdSerializers.err(err);
          if (typeof out.message === 'string') out.message = scrubSecrets(out.message);
          if (typeof out.stack === 'string') out.stack = scrubSecrets(out.stack);
          return out;
        },
      },
    },
    destination,
  );
  return logger;
}
