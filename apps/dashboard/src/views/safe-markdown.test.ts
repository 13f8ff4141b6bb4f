import { describe, expect, it } from 'vitest';
import { citationHref, MAX_DOCUMENT_CHARS, resultView, safeUrl } from './safe-markdown.js';

describe('safeUrl', () => {
  it('keeps http(s), mailto and fragment links', () => {
    expect(safeUrl('https://example.org/a?b#c')).toBe('https://example.org/a?b#c');
    expect(safeUrl('HTTP://example.org')).toBe('HTTP://example.org');
    expect(safeUrl('mailto:a@example.org')).toBe('mailto:a@example.org');
    expect(safeUrl('#section-2')).toBe('#section-2');
  });

  it('drops script URLs however they are disguised, and relative links', () => {
    for (const url of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'java\nscript:alert(1)',
      '\u0001javascript:alert(1)',
      'vbscript:msgbox(1)',
      'data:text/html,<script>alert(1)</script>',
      'file:///etc/passwd',
      '/v1/tasks',
      '//evil.example/x',
    ]) {
      expect(safeUrl(url), url).toBe('');
    }
  });

  it('loads images only from inline raster data', () => {
    expect(safeUrl('data:image/png;base64,iVBORw0KGgo=', 'src')).toBe('data:image/png;base64,iVBORw0KGgo=');
    expect(safeUrl('https://tracker.example/pixel.gif', 'src')).toBe('');
    expect(safeUrl('data:image/svg+xml;base64,PHN2Zz4=', 'src')).toBe('');
    expect(safeUrl('x', 'src')).toBe('');
  });

  it('links citation sources only when they are web addresses', () => {
    expect(citationHref('https://example.org/paper')).toBe('https://example.org/paper');
    expect(citationHref('corpus/notes.md')).toBeUndefined();
    expect(citationHref('javascript:alert(1)')).toBeUndefined();
    expect(citationHref('mailto:x@example.org')).toBeUndefined();
  });
});

describe('resultView', () => {
  it('reads a report: document, title, citations', () => {
    const view = resultView({
      document: '# Title\n\nText [1]',
      title: 'Title',
      citations: [
        { id: 1, source: 'https://example.org', title: 'Example' },
        { id: 2, source: 'docs/a.md', title: '' },
        { id: 3, source: 'javascript:alert(1)', title: '<img src=x onerror=alert(1)>' },
        'https://plain.example',
        42,
      ],
    });
    expect(view.document).toBe('# Title\n\nText [1]');
    expect(view.title).toBe('Title');
    expect(view.json).toBeUndefined();
    expect(view.citations).toEqual([
      { id: 1, title: 'Example', source: 'https://example.org', href: 'https://example.org' },
      { id: 2, title: 'docs/a.md', source: 'docs/a.md', href: undefined },
      { id: 3, title: '<img src=x onerror=alert(1)>', source: 'javascript:alert(1)', href: undefined },
      {
        id: undefined,
        title: 'https://plain.example',
        source: 'https://plain.example',
        href: 'https://plain.example',
      },
    ]);
  });

  it('reads an answer, and shows anything else as JSON', () => {
    expect(resultView({ answer: 'Yes.', citations: [] }).document).toBe('Yes.');
    const other = resultView({ fields: { a: 1 } });
    expect(other.document).toBeUndefined();
    expect(other.json).toContain('"a": 1');
    expect(resultView(null)).toMatchObject({ document: undefined, json: undefined, citations: [] });
  });

  it('cuts a huge document', () => {
    const view = resultView({ document: 'a'.repeat(MAX_DOCUMENT_CHARS + 10) });
    expect(view.document).toHaveLength(MAX_DOCUMENT_CHARS);
    expect(view.documentLength).toBe(MAX_DOCUMENT_CHARS + 10);
  });
});
