import type { InjectionMatch } from './types.js';

export interface InjectionPattern {
  id: string;
  /** How strongly one match suggests an injection, in (0, 1). Patterns combine as independent evidence. */
  weight: number;
  regex: RegExp;
}

const AI = String.raw`(?:ai|a\.i\.|llm|language model|assistant|chat ?bot|agent|model|gpt|claude)`;

/**
 * Scored patterns of prompt injection, jailbreaks and exfiltration attempts. Strong ones (an explicit
 * "ignore previous instructions") reach the default threshold alone; weak ones ("you are now") only together.
 */
export const INJECTION_PATTERNS: readonly InjectionPattern[] = [
  {
    id: 'ignore-previous-instructions',
    weight: 0.9,
    regex:
      /\b(?:ignore|disregard|forget|override|bypass|abandon|skip)\b[^.!?\n]{0,40}?\b(?:previous|prior|above|earlier|preceding|all|any|your|the|these|those|system|original|initial)\b[^.!?\n]{0,30}?\b(?:instructions?|directions?|prompts?|rules|guidelines|guardrails|directives?|constraints|policies|programming|context)\b/i,
  },
  {
    id: 'new-instructions',
    weight: 0.55,
    regex:
      /\b(?:new|updated|revised|real|actual|additional|secret|hidden)\s+(?:system\s+)?(?:instructions?|directives?|orders|system prompt|task)\s*[:-]/i,
  },
  {
    id: 'from-now-on',
    weight: 0.45,
    regex: /\bfrom now on,?\s+(?:you|your|the assistant|act|respond|answer|always|never)\b/i,
  },
  { id: 'role-reassignment', weight: 0.45, regex: /\byou are (?:now|no longer)\b/i },
  {
    id: 'pretend-persona',
    weight: 0.35,
    regex:
      /\b(?:pretend (?:to be|you are|you're|that you)|imagine you are|role-?play as|act as if you (?:were|are))\b/i,
  },
  {
    id: 'unrestricted-mode',
    weight: 0.75,
    regex:
      /\b(?:act|behave|respond|answer|operate|role-?play|pretend|be|become|switch|enter)\b[^.!?\n]{0,30}?\b(?:unrestricted|unfiltered|uncensored|jailbroken|without (?:any )?(?:restrictions|limits|limitations|filters|rules|guidelines|censorship)|no (?:restrictions|limits|filters|rules|guidelines))\b/i,
  },
  {
    id: 'jailbreak-persona',
    weight: 0.6,
    regex: /\b(?:do anything now|developer mode (?:enabled|on)|god mode (?:enabled|on))\b/i,
  },
  { id: 'dan-persona', weight: 0.45, regex: /\bDAN\b/ },
  { id: 'jailbreak-word', weight: 0.35, regex: /\bjail-?break(?:s|ed|ing)?\b/i },
  {
    id: 'reveal-system-prompt',
    weight: 0.8,
    regex:
      /\b(?:reveal|show|print|repeat|output|display|tell|give|leak|dump|disclose|share|recite|write out|what (?:is|are|were))\b[^.!?\n]{0,40}?\b(?:(?:system|hidden|initial|original|secret|developer|internal)\s+(?:prompt|instructions|message|rules|configuration)|your\s+(?:system\s+)?(?:prompt|instructions|rules))\b/i,
  },
  {
    id: 'repeat-text-above',
    weight: 0.6,
    regex:
      /\b(?:repeat|print|output)\b[^.!?\n]{0,20}\b(?:words|text|everything|all) (?:above|before this)\b/i,
  },
  { id: 'system-prompt-mention', weight: 0.2, regex: /\bsystem prompt\b/i },
  {
    id: 'fake-role-marker',
    weight: 0.6,
    regex:
      /<\|(?:im_start|im_end|system|endoftext|start_header_id)\|>|\[\/?(?:INST|SYS)\]|<<\/?SYS>>|<\/?(?:system|assistant|instructions?)>/i,
  },
  {
    id: 'role-label-line',
    weight: 0.35,
    regex:
      /(?:^|\n)[ \t]*(?:#{1,3}[ \t]*)?(?:system|assistant|developer)(?:[ \t]+(?:message|prompt))?[ \t]*:/i,
  },
  { id: 'exfiltrate', weight: 0.7, regex: /\bexfiltrat(?:e|es|ed|ion|ing)\b/i },
  {
    id: 'send-secrets',
    weight: 0.75,
    regex:
      /\b(?:send|post|upload|forward|transmit|submit|email|leak|append|include|encode)\b[^.!?\n]{0,60}?\b(?:api[ _-]?keys?|passwords?|credentials|secrets?|access tokens?|conversation|chat history|system prompt|user(?:'s)? data|personal data|environment variables|env vars|cookies|session)\b[^.!?\n]{0,60}?\b(?:to|at|into|in)\b/i,
  },
  {
    id: 'send-to-url',
    weight: 0.4,
    regex:
      /\b(?:send|post|upload|forward|transmit|submit|report|leak)\b[^.!?\n]{0,80}?\b(?:to|at|via)\s+(?:this |the following |my |our )?(?:url|endpoint|server|webhook|address)?\s*:?\s*(?:https?:\/\/|www\.)/i,
  },
  { id: 'image-exfiltration', weight: 0.3, regex: /!\[[^\]]*\]\(\s*https?:\/\/[^)\s]*\?[^)\s]*=[^)\s]*\)/ },
  {
    id: 'tool-call-coercion',
    weight: 0.55,
    regex:
      /\b(?:call|invoke|run|execute|use|trigger)\s+(?:the\s+)?[`'"]?(?:read_file|http_fetch|search_corpus|[a-z0-9-]+__[a-z0-9_-]+)[`'"]?|"(?:tool_calls|function_call|tool_use)"\s*:/i,
  },
  {
    id: 'forced-action',
    weight: 0.45,
    regex:
      /\b(?:you must|you have to|immediately|now)\s+(?:call|invoke|execute|run|fetch|download|open|visit|delete)\b/i,
  },
  {
    id: 'secrecy',
    weight: 0.55,
    regex:
      /\b(?:do not|don't|never)\s+(?:tell|inform|mention|reveal|show|let)\b[^.!?\n]{0,20}?\b(?:the user|the human|anyone|them)\b|\bwithout (?:telling|informing|alerting|notifying) (?:the )?(?:user|human|anyone)\b/i,
  },
  {
    id: 'addressed-to-ai',
    weight: 0.6,
    regex: new RegExp(
      String.raw`\bif you are an? ${AI}\b|\b(?:note|message|instructions?|attention) (?:to|for) (?:the |any |all )?${AI}s?\b|\b${AI}s? (?:reading|processing|summari[sz]ing|parsing) this\b`,
      'i',
    ),
  },
  {
    id: 'hidden-html-comment',
    weight: 0.6,
    regex: new RegExp(
      String.raw`<!--(?:(?!-->)[\s\S]){0,2000}?(?:\b(?:ignore|disregard)\s+(?:previous|all|the|any|your)\b|\b${AI}\b|\byou (?:must|should|will|are)\b|\binstructions?\b|\bsystem prompt\b)(?:(?!-->)[\s\S])*-->`,
      'i',
    ),
  },
  {
    id: 'css-hidden-text',
    weight: 0.4,
    regex:
      /<[^>]+style\s*=\s*["'][^"']*(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|color\s*:\s*(?:white|#fff(?:fff)?)\b)/i,
  },
];

/** Zero-width and invisible format characters; ZWJ (U+200D) is left out, emoji sequences use it. */
const INVISIBLE = /[\u200B\u200C\u200E\u200F\u2060-\u2064\u00AD\u202A-\u202E\u2066-\u2069]|(?<!^)\uFEFF/g;
/** Unicode tag characters, which can spell hidden ASCII text ("ASCII smuggling"). */
const TAGS = /[\u{E0000}-\u{E007F}]/gu;

export interface InjectionScan {
  score: number;
  matches: InjectionMatch[];
  /** The text with invisible characters removed and compatibility forms folded (NFKC). */
  visible: string;
}

/** Scores text for prompt injection. Text hidden in tag characters is decoded and scanned too. */
export function scanForInjection(
  text: string,
  patterns: readonly InjectionPattern[] = INJECTION_PATTERNS,
): InjectionScan {
  const matches: InjectionMatch[] = [];
  const weights: number[] = [];
  const invisible = text.match(INVISIBLE)?.length ?? 0;
  const tagChars = text.match(TAGS) ?? [];
  const smuggled = tagChars.map((c) => String.fromCodePoint((c.codePointAt(0) as number) - 0xe0000)).join('');
  const visible = text.replace(INVISIBLE, '').replace(TAGS, '').normalize('NFKC');

  if (tagChars.length > 0) {
    weights.push(0.7);
    matches.push({ pattern: 'hidden-tag-characters', excerpt: clip(smuggled, 0, smuggled.length) });
  } else if (invisible >= 3) {
    weights.push(0.5);
    matches.push({ pattern: 'hidden-characters', excerpt: `${invisible} invisible characters` });
  }

  const scanned = smuggled ? `${visible}\n${smuggled}` : visible;
  for (const pattern of patterns) {
    const m = pattern.regex.exec(scanned);
    if (!m) continue;
    weights.push(pattern.weight);
    matches.push({ pattern: pattern.id, excerpt: clip(scanned, m.index, m.index + m[0].length) });
  }
  const score = 1 - weights.reduce((rest, w) => rest * (1 - w), 1);
  return { score: Math.round(score * 1000) / 1000, matches, visible };
}

function clip(text: string, start: number, end: number): string {
  const from = Math.max(0, start - 30);
  const to = Math.min(text.length, Math.max(end, start + 1) + 30, from + 200);
  return `${from > 0 ? '…' : ''}${text.slice(from, to).replace(/\s+/g, ' ').trim()}${to < text.length ? '…' : ''}`;
}
