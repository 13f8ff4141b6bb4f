import { BuiltinRole, isModelRef } from '@troupe/bus/contracts';
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';

/**
 * Parsers for flag values, for commander's `argParser`: each validates with zod and fails with an
 * `InvalidArgumentError`, which commander prints as `option '--port <n>' argument 'x' is invalid. <reason>`.
 */
function parserOf<T>(schema: z.ZodType<T>): (value: string) => T {
  return (value) => {
    const parsed = schema.safeParse(value);
    if (!parsed.success)
      throw new InvalidArgumentError(`${parsed.error.issues[0]?.message ?? 'invalid value'}.`);
    return parsed.data;
  };
}

const integer = (min: number, max: number, what: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${what} must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(
      z.number().int().min(min, `${what} must be at least ${min}`).max(max, `${what} must be at most ${max}`),
    );

/** A TCP port; 0 lets the system pick a free one. */
export const parsePort = parserOf(integer(0, 65_535, 'a port'));

/** Copies of each stream and bucket (JetStream allows 1 to 5). */
export const parseReplicas = parserOf(integer(1, 5, 'the replicas'));

/** Nodes of a NATS cluster. */
export const parseNodes = parserOf(integer(1, 9, 'the nodes'));

/** Host names or addresses, comma-separated. */
export const parseHosts = parserOf(
  z
    .string()
    .transform((s) => s.split(',').map((h) => h.trim()))
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9.:-]+$/, 'a host is a name or an address')).min(1)),
);

/** Steps or events handled at once by one process. */
export const parseConcurrency = parserOf(integer(1, 1024, 'the concurrency'));

/**
 * The built-in roles, from the role contract in @troupe/bus/contracts (a test keeps it equal to
 * @troupe/agents' `builtinRoles`): parsing the command line does not load the agents package and its SDKs.
 */
export const BUILTIN_ROLE_NAMES: readonly string[] = Object.values(BuiltinRole);

const ROLE_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/**
 * `planner,researcher`: role names, comma-separated, each once. Whether a role exists is the agent command's
 * to say: besides the built-in ones, the project file may define roles.
 */
export const parseRoles = parserOf(
  z
    .string()
    .transform((s) => s.split(',').map((r) => r.trim()))
    .pipe(
      z
        .array(z.string())
        .min(1)
        .superRefine((roles, ctx) => {
          for (const role of roles) {
            if (role === '')
              ctx.addIssue({ code: 'custom', message: 'a role name is empty (write planner,researcher)' });
            else if (!ROLE_NAME.test(role)) {
              ctx.addIssue({
                code: 'custom',
                message: `"${role}" is not a role name: lower-case letters, digits, "-" and "_", starting with a letter`,
              });
            }
          }
          if (new Set(roles).size !== roles.length)
            ctx.addIssue({ code: 'custom', message: 'a role is named twice' });
        }),
    ),
);

/** `provider:model`, or a comma-separated fallback chain (the agent command checks the providers). */
export const parseModel = parserOf(
  z
    .string()
    .trim()
    .refine(
      (s) => s.split(',').every(isModelRef),
      'expected provider:model, e.g. openai:gpt-4o-mini or anthropic:claude-haiku-4-5 (comma-separated for a fallback chain)',
    ),
);

/** Answerable from the default corpus: the Markdown docs of the installed npm packages (the NATS clients among them). */
export const DEFAULT_DEMO_QUESTION =
  'How do NATS JetStream consumers acknowledge messages, and what happens when a message is not acknowledged?';

/** An http(s) URL without a trailing slash. */
export const parseHttpUrl = parserOf(
  z
    .string()
    .trim()
    .refine(
      (s) => /^https?:\/\/[^\s/]+/.test(s) && URL.canParse(s),
      'expected an http(s) URL such as http://127.0.0.1:3000',
    )
    .transform((s) => s.replace(/\/+$/, '')),
);

/** A NATS URL list, as NATS_URL takes it. */
export const parseNatsUrl = parserOf(
  z
    .string()
    .trim()
    .refine(
      (s) => s.split(',').every((u) => /^(nats|tls|ws|wss):\/\/\S+$|^[\w.-]+:\d+$/.test(u.trim())),
      'expected a NATS URL such as nats://127.0.0.1:4222 (comma-separated for several)',
    ),
);

/** The decisions a person can take on a task waiting for review. */
export const ReviewDecision = { Approve: 'approve', Reject: 'reject', Revise: 'revise' } as const;
export type ReviewDecision = (typeof ReviewDecision)[keyof typeof ReviewDecision];
export const REVIEW_DECISIONS: readonly ReviewDecision[] = Object.values(ReviewDecision);
