import type { PiiKind } from './types.js';

interface PiiRule {
  kind: PiiKind;
  regex: RegExp;
  /** The text to put instead of the match, or undefined to keep the match (a false positive). */
  replace(match: string, ...groups: string[]): string | undefined;
}

const tag = (kind: PiiKind) => `[REDACTED:${kind}]`;
const digitsOf = (s: string) => s.replace(/\D/g, '');

/** Luhn checksum, as every payment card number carries. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** ISO 13616 check: move the first four characters to the end, letters to numbers, mod 97 must be 1. */
export function ibanValid(candidate: string): boolean {
  const iban = candidate.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const value = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

/** The longest prefix of a spaced IBAN candidate (dropping trailing groups) that passes the checksum. */
function validIbanPrefix(match: string): string | undefined {
  const groups = match.split(' ');
  for (let n = groups.length; n >= 1; n--) {
    const candidate = groups.slice(0, n).join(' ');
    if (ibanValid(candidate)) return candidate;
  }
  return undefined;
}

const hasLetterAndDigit = (s: string) => /[A-Za-z]/.test(s) && /\d/.test(s);

/** Applied in order: secrets first (they can hold digits and `@`), phone numbers last. */
const RULES: readonly PiiRule[] = [
  {
    kind: 'secret',
    regex: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----[\s\S]*?-----END (?:[A-Z]+ )?PRIVATE KEY-----/g,
    replace: () => tag('secret'),
  },
  {
    kind: 'secret',
    regex:
      /\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})/g,
    replace: () => tag('secret'),
  },
  {
    kind: 'secret',
    regex:
      /\b((?:api[_-]?key|secret(?:[_-]?key)?|access[_-]?token|auth[_-]?token|token|password|passwd|pwd|client[_-]?secret)["']?\s*[:=]\s*)(["']?)([^\s"',;]{12,})\2/gi,
    replace: (_m, prefix = '', quote = '', value = '') =>
      hasLetterAndDigit(value) ? `${prefix}${quote}${tag('secret')}${quote}` : undefined,
  },
  {
    kind: 'iban',
    regex: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g,
    replace: (m) => {
      const iban = validIbanPrefix(m);
      return iban === undefined ? undefined : tag('iban') + m.slice(iban.length);
    },
  },
  {
    kind: 'credit-card',
    regex: /(?<![\d-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\d-])/g,
    replace: (m) => {
      const digits = digitsOf(m);
      return digits.length >= 13 && digits.length <= 19 && luhnValid(digits) ? tag('credit-card') : undefined;
    },
  },
  {
    kind: 'ssn',
    regex: /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g,
    replace: () => tag('ssn'),
  },
  {
    kind: 'email',
    regex: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g,
    replace: () => tag('email'),
  },
  {
    kind: 'phone',
    // +49 30 1234567, +1 (555) 123-4567, (555) 123-4567, 555-123-4567, 555.123.4567
    regex:
      /(?<![\w+.-])(?:\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{2,5}){2,5}|\(\d{2,4}\)[ .-]?\d{3,4}[ .-]?\d{3,5}|\d{3}([.-])\d{3,4}\1\d{4})(?![\w.-]*\d)/g,
    replace: (m) => {
      const n = digitsOf(m).length;
      return n >= 8 && n <= 15 ? tag('phone') : undefined;
    },
  },
];

/** Replaces emails, phone numbers, card numbers (Luhn-checked), IBANs (checksum), US SSNs and API-key-like secrets with `[REDACTED:<kind>]`. */
export function redactPii(text: string): { text: string; counts: Partial<Record<PiiKind, number>> } {
  const counts: Partial<Record<PiiKind, number>> = {};
  let out = text;
  for (const rule of RULES) {
    out = out.replace(rule.regex, (match: string, ...rest: unknown[]) => {
      const groups = rest.slice(0, -2).map((g) => (typeof g === 'string' ? g : ''));
      const replacement = rule.replace(match, ...groups);
      if (replacement === undefined) return match;
      counts[rule.kind] = (counts[rule.kind] ?? 0) + 1;
      return replacement;
    });
  }
  return { text: out, counts };
}
