import { describe, expect, it } from 'vitest';
import { scrubSecrets } from './scrub-secrets.js';

describe('scrubSecrets', () => {
  it.each([
    ['key sk-proj-abcDEF0123456789xyz end', 'key sk-[REDACTED] end'],
    ['x-api-key: sk-ant-api03-abcdefghijkl', 'x-api-key: sk-[REDACTED]'],
    ['Authorization: Bearer abc.def-ghi_jkl', 'Authorization: Bearer [REDACTED]'],
    ['basic dXNlcjpwYXNzd29yZA==', 'basic [REDACTED]'],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig', 'jwt [REDACTED_JWT]'],
    ['seed SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4', 'seed [REDACTED_NKEY_SEED]'],
    ['token ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'token [REDACTED]'],
    ['aws AKIAIOSFODNN7EXAMPLE', 'aws [REDACTED]'],
    ['password=hunter22 next', 'password=[REDACTED] next'],
    ['{"api_key": "abcd1234"}', '{"api_key": "[REDACTED]"}'],
  ])('scrubs %s', (input, expected) => {
    expect(scrubSecrets(input)).toBe(expected);
  });

  it.each(['gen_ai.usage.input_tokens=120', 'max_tokens: 4096', 'the task-sk-1 finished', 'plain text'])(
    'leaves %s alone',
    (input) => {
      expect(scrubSecrets(input)).toBe(input);
    },
  );
});
