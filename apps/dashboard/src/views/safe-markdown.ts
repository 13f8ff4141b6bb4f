/**
 * Model output and tool results are untrusted. The result is rendered with react-markdown without raw HTML
 * (HTML in the Markdown shows as text), and every URL passes `safeUrl`: links only to http(s) and mailto (or
 * a `#fragment`), images only from inline `data:` raster images, so nothing loads from elsewhere and no
 * `javascript:` URL reaches the page.
 */

const LINK_SCHEMES: ReadonlySet<string> = new Set(['http', 'https', 'mailto']);
const DATA_IMAGE = /^data:image\/(png|gif|jpeg|webp);base64,[a-z0-9+/=\s]*$/i;
/** Browsers drop ASCII tabs and newlines inside a URL and trim control characters and spaces around it. */
// eslint-disable-next-line no-control-regex
const IGNORED = /[\u0000-\u0020\u007f]/g;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/** `urlTransform` for react-markdown: the URL when it is safe for that attribute, else ''. */
export function safeUrl(url: string, key = 'href'): string {
  const cleaned = url.replace(IGNORED, '');
  if (key === 'src') return DATA_IMAGE.test(cleaned) ? cleaned : '';
  const scheme = SCHEME.exec(cleaned)?.[1]?.toLowerCase();
  if (scheme === undefined) return cleaned.startsWith('#') ? cleaned : '';
  return LINK_SCHEMES.has(scheme) ? cleaned : '';
}

/** An http(s) URL to link a citation's source to, or undefined (a path, or anything else, stays text). */
export function citationHref(source: string): string | undefined {
  const href = safeUrl(source.trim());
  return /^https?:/i.test(href) ? href : undefined;
}

export interface CitationView {
  id: number | undefined;
  title: string;
  source: string;
  href: string | undefined;
}

export interface ResultView {
  title: string | undefined;
  /** Markdown to render; undefined when the result has none. */
  document: string | undefined;
  /** The document's full length when it was cut. */
  documentLength: number | undefined;
  citations: CitationView[];
  /** The result as JSON when it holds no document. */
  json: string | undefined;
}

export const MAX_DOCUMENT_CHARS = 200_000;
const MAX_JSON_CHARS = 20_000;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function citationsOf(value: unknown): CitationView[] {
  if (!Array.isArray(value)) return [];
  const out: CitationView[] = [];
  for (const c of value) {
    if (typeof c === 'string') {
      out.push({ id: undefined, title: c, source: c, href: citationHref(c) });
      continue;
    }
    if (!isRecord(c)) continue;
    const source =
      typeof c['source'] === 'string' ? c['source'] : typeof c['url'] === 'string' ? c['url'] : '';
    const title = typeof c['title'] === 'string' && c['title'] ? c['title'] : source;
    out.push({
      id: typeof c['id'] === 'number' ? c['id'] : undefined,
      title,
      source,
      href: citationHref(source),
    });
  }
  return out;
}

/** What the result section shows: a report's `document` (or an answer), its title and citations. */
export function resultView(result: unknown): ResultView {
  const record = isRecord(result) ? result : undefined;
  const text = [record?.['document'], record?.['answer'], record?.['markdown']].find(
    (v): v is string => typeof v === 'string' && v.length > 0,
  );
  const title = typeof record?.['title'] === 'string' && record['title'] ? record['title'] : undefined;
  let json: string | undefined;
  if (text === undefined && result !== undefined && result !== null) {
    json = JSON.stringify(result, null, 2) ?? String(result);
    if (json.length > MAX_JSON_CHARS)
      json = `${json.slice(0, MAX_JSON_CHARS)}\n… (${json.length} characters)`;
  }
  return {
    title,
    document: text === undefined ? undefined : text.slice(0, MAX_DOCUMENT_CHARS),
    documentLength: text !== undefined && text.length > MAX_DOCUMENT_CHARS ? text.length : undefined,
    citations: citationsOf(record?.['citations']),
    json,
  };
}
