/** A citable piece of a document: one section of a Markdown file, or a few paragraphs of a long one. */
export interface PassageDraft {
  /** The document title and the headings down to this section: `minisearch › Usage › Search options`. */
  title: string;
  text: string;
}

export interface SplitOptions {
  /** Title of the whole document; the first `# heading` wins when there is one. */
  documentTitle: string;
  /** A section longer than this is cut at paragraph boundaries. Default 1200 characters. */
  maxChars?: number;
}

const HEADING = /^(#{1,6})[ \t]+(.+?)[ \t#]*$/;
const FENCE = /^\s*(```|~~~)/;
const MIN_TEXT = 20;

/**
 * Splits Markdown (or plain text) into passages: by headings first (code fences respected), then by paragraphs
 * so no passage is much longer than `maxChars`. Badges, images, HTML tags and comments are dropped; links keep
 * their text.
 */
export function splitIntoPassages(markdown: string, options: SplitOptions): PassageDraft[] {
  const maxChars = options.maxChars ?? 1200;
  const lines = markdown
    .replace(/\r\n?/g, '\n')
    .replace(/<!--[\s\S]*?-->/g, '')
    .split('\n');
  const sections: { headings: string[]; lines: string[] }[] = [];
  const trail: string[] = [];
  let current = { headings: [] as string[], lines: [] as string[] };
  let documentTitle = options.documentTitle;
  let sawH1 = false;
  let inFence = false;

  const startSection = (level: number, text: string) => {
    sections.push(current);
    trail.length = Math.min(trail.length, level - 1);
    trail[level - 1] = text;
    current = { headings: trail.filter(Boolean), lines: [] };
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (FENCE.test(line)) inFence = !inFence;
    if (!inFence) {
      const atx = HEADING.exec(line);
      const underline = lines[i + 1];
      const setext =
        !atx &&
        line.trim() !== '' &&
        underline !== undefined &&
        /^(=+|-+)\s*$/.test(underline) &&
        !/^\s*[-*+>|]/.test(line);
      if (atx || setext) {
        const level = atx ? (atx[1] as string).length : (underline as string).startsWith('=') ? 1 : 2;
        const text = cleanInline(atx ? (atx[2] as string) : line).trim();
        if (setext) i++;
        if (text) {
          if (level === 1 && !sawH1) {
            sawH1 = true;
            documentTitle = text;
          }
          startSection(level, text);
          continue;
        }
      }
    }
    current.lines.push(line);
  }
  sections.push(current);

  const passages: PassageDraft[] = [];
  for (const section of sections) {
    const headings = section.headings[0] === documentTitle ? section.headings.slice(1) : section.headings;
    const title = [documentTitle, ...headings].join(' › ');
    for (const text of chunkParagraphs(paragraphsOf(section.lines), maxChars)) {
      if (text.replace(/\s/g, '').length >= MIN_TEXT) passages.push({ title, text });
    }
  }
  return passages;
}

function paragraphsOf(lines: string[]): string[] {
  const paragraphs: string[] = [];
  let buffer: string[] = [];
  let inFence = false;
  const flush = () => {
    const text = buffer.join('\n').trim();
    if (text) paragraphs.push(text);
    buffer = [];
  };
  for (const raw of lines) {
    if (FENCE.test(raw)) {
      inFence = !inFence;
      buffer.push(raw.trim().startsWith('```') || raw.trim().startsWith('~~~') ? '' : raw);
      if (!inFence) flush();
      continue;
    }
    if (inFence) {
      buffer.push(raw);
      continue;
    }
    if (raw.trim() === '') {
      flush();
      continue;
    }
    const line = cleanInline(raw);
    if (line.trim() !== '') buffer.push(line);
  }
  flush();
  return paragraphs;
}

function chunkParagraphs(paragraphs: string[], maxChars: number): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const paragraph of paragraphs.flatMap((p) => hardSplit(p, maxChars))) {
    if (current && current.length + paragraph.length + 2 > maxChars) {
      chunks.push(current);
      current = '';
    }
    current = current ? `${current}\n\n${paragraph}` : paragraph;
  }
  if (current) chunks.push(current);
  return chunks;
}

/** Cuts a paragraph longer than `maxChars` at sentence or word boundaries. */
function hardSplit(paragraph: string, maxChars: number): string[] {
  if (paragraph.length <= maxChars) return [paragraph];
  const parts: string[] = [];
  let rest = paragraph;
  while (rest.length > maxChars) {
    const window = rest.slice(0, maxChars);
    const cut = Math.max(window.lastIndexOf('. '), window.lastIndexOf('\n'), window.lastIndexOf(' '));
    const at = cut > maxChars / 2 ? cut + 1 : maxChars;
    parts.push(rest.slice(0, at).trim());
    rest = rest.slice(at);
  }
  if (rest.trim()) parts.push(rest.trim());
  return parts;
}

/** Drops images, badges and HTML tags; keeps link text. */
function cleanInline(line: string): string {
  return line
    .replace(/\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)/g, '')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<\/?[a-zA-Z][^>]*>/g, '')
    .replace(/&nbsp;/g, ' ');
}
