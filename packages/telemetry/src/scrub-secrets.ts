/**
 * Value-level secret scrubbing for free text (log messages, error messages on spans). Path-based
 * redaction (pino `redact`) cannot see a key pasted into a message; these patterns catch the common shapes.
 */
const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // OpenAI / Anthropic style keys: sk-..., sk-proj-..., sk-ant-...
  [/\bsk-[A-Za-z0-9_-]{8,}/g, 'sk-[REDACTED]'],
  // HTTP credentials in a header value or a message.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, '$1 [REDACTED]'],
  // JSON Web Tokens (NATS user JWTs included).
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, '[REDACTED_JWT]'],
  // NATS nkey seeds: S + key type + base32.
  [/\bS[UOACNXP][A-Z2-7]{54,}\b/g, '[REDACTED_NKEY_SEED]'],
  // GitHub tokens, AWS access key ids, Slack tokens.
  [
    /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16}|xox[abposr]-[A-Za-z0-9-]{10,})\b/g,
    '[REDACTED]',
  ],
  // key=value / key: value pairs naming a secret (unless a pattern above already caught the value).
  [
    /\b(api[_-]?key|apikey|password|passwd|secret|token|access[_-]?token|refresh[_-]?token|client[_-]?secret)(["']?\s*[:=]\s*["']?)(?![^\s"',;&}]*\[REDACTED)[^\s"',;&}]{4,}/gi,
    '$1$2[REDACTED]',
  ],
];

/** A cheap screen so that most strings skip the regular expressions entirely. */
const MAYBE =
  /sk-|bearer|basic|eyJ|S[UOACNXP][A-Z2-7]{20}|gh[pousr]_|github_pat_|AKIA|xox|key|pass|secret|token/i;

/** Replaces anything that looks like a credential in `text`. */
export function scrubSecrets(text: string): string {
  if (!MAYBE.test(text)) return text;
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

const SECRET_KEYS = [
  'apiKey',
  'api_key',
  'apikey',
  'password',
  'passwd',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'secret',
  'clientSecret',
  'client_secret',
  'authorization',
  'cookie',
  'seed',
  'nkeySeed',
  'nkey',
  'creds',
  'credentials',
  'jwt',
  'privateKey',
  'private_key',
];

/** pino `redact` paths: secret keys at the top level and one level down, plus well-known header spots. */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'headers["proxy-authorization"]',
  'headers["set-cookie"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'request.headers.authorization',
  'request.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'options.headers.authorization',
  'options.headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
];
