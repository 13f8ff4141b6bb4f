import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ResultMarkdown } from './result-markdown.js';

const render = (markdown: string) => renderToStaticMarkup(createElement(ResultMarkdown, { markdown }));

describe('ResultMarkdown', () => {
  it('renders Markdown with GFM tables and safe links', () => {
    const html = render(
      '# Findings\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\nSee [the paper](https://example.org/p).',
    );
    expect(html).toContain('<h1>Findings</h1>');
    expect(html).toContain('<table>');
    expect(html).toContain(
      '<a href="https://example.org/p" target="_blank" rel="noopener noreferrer nofollow">the paper</a>',
    );
  });

  it('shows raw HTML as text: no script, no event handler', () => {
    const html = render(
      'Hello <script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n<a href="javascript:alert(3)">x</a>',
    );
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<a href="javascript/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(2)&quot;&gt;');
  });

  it('turns javascript: links into text and drops remote images', () => {
    const html = render(
      '[click](javascript:alert(1)) [mail](mailto:a@example.org) ![pixel](https://tracker.example/p.gif)',
    );
    expect(html).not.toContain('javascript:');
    expect(html).toContain('<span class="md-dropped-link">click</span>');
    expect(html).toContain('href="mailto:a@example.org"');
    expect(html).toContain('<span class="md-dropped-image">[image: pixel]</span>');
    expect(html).not.toContain('tracker.example');
  });

  it('keeps inline raster images', () => {
    const html = render('![dot](data:image/png;base64,iVBORw0KGgo=)');
    expect(html).toContain('<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot"/>');
  });
});
