import { defineRole } from '@troupe/agents';
import { z } from 'zod';
import { glossaryTranslation } from './glossary.js';

export const TranslatorInput = z.looseObject({
  text: z.string().min(1),
  /** An ISO 639-1 code: fr, de, es, ... */
  language: z.string().regex(/^[a-z]{2}$/),
});

export const TranslatorOutput = z.object({
  language: z.string().describe('the ISO 639-1 code of the translation'),
  translation: z.string().min(1),
  notes: z.array(z.string()).describe('what could not be translated as it stood, and why'),
});
export type TranslatorOutput = z.infer<typeof TranslatorOutput>;

/** A role of one's own: a translator, served by `troupe agent --role translator` as its own process. */
export const translator = defineRole({
  name: 'translator',
  description: 'Translates a text into another language, keeping its meaning, tone and names.',
  instructions: `You are a careful translator. Translate "text" of the step input into the language whose
ISO 639-1 code is "language". Keep names, numbers and technical terms as they are unless they have a usual
translation. Answer with the translation and the language code; in "notes", say what you could not translate
as it stood and why (leave it empty when there is nothing to say).`,
  input: TranslatorInput,
  output: TranslatorOutput,
  // Without a model key, the offline model answers with this instead of a generic answer.
  offline: ({ text, language }) => glossaryTranslation(text, language),
});
