import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { benchCharts, escapeXml, niceTicks, renderBarChart, Palette } from './charts.js';
import { currentFiguresMarkdown, withCurrentFigures } from './current-figures.js';
import { readBenchResults } from './results.js';

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const imgDir = join(benchDir, '..', 'docs', 'img');

/**
 * Checks that `text` is well-formed XML with one `<svg>` root in the SVG namespace: every tag closed in order,
 * attributes quoted, `<` and `&` in text and attributes only as markup or entities. Returns the element names.
 */
function checkSvg(text: string): string[] {
  const names: string[] = [];
  const open: string[] = [];
  const token =
    /<!--[\s\S]*?-->|<\/([\w:-]+)\s*>|<([\w:-]+)((?:\s+[\w:-]+\s*=\s*(?:'[^'<]*'|"[^"<]*"))*)\s*(\/?)>|([^<]+)|(<)/g;
  const entity = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  let roots = 0;
  for (const m of text.matchAll(token)) {
    const [, close, name, attrs, selfClosing, chars, stray] = m;
    if (stray) throw new Error(`a "<" that opens no tag at offset ${m.index}`);
    if (chars !== undefined) {
      if (entity.test(chars)) throw new Error(`a bare "&" in text at offset ${m.index}`);
      if (open.length === 0 && chars.trim() !== '') throw new Error('text outside the root element');
      continue;
    }
    if (close) {
      if (open.pop() !== close) throw new Error(`</${close}> closes the wrong element at offset ${m.index}`);
      continue;
    }
    if (name) {
      if (attrs && entity.test(attrs)) throw new Error(`a bare "&" in an attribute of <${name}>`);
      if (open.length === 0) roots++;
      names.push(name);
      if (!selfClosing) open.push(name);
    }
  }
  if (open.length > 0) throw new Error(`unclosed <${open.join('>, <')}>`);
  if (roots !== 1 || names[0] !== 'svg') throw new Error('the document is not one <svg> element');
  if (!/^<svg xmlns='http:\/\/www\.w3\.org\/2000\/svg'/.test(text))
    throw new Error('the root lacks the SVG namespace');
  return names;
}

describe('the benchmark charts', () => {
  const charts = benchCharts(readBenchResults(join(benchDir, 'results')));

  it('are valid SVG for the current results, with a title and every figure a number', () => {
    expect(charts.map((c) => c.name)).toEqual(
      expect.arrayContaining(['bench-throughput.svg', 'bench-latency.svg', 'bench-cpu.svg']),
    );
    for (const { name, svg } of charts) {
      const elements = checkSvg(svg);
      expect(elements, name).toContain('title');
      expect(elements.filter((e) => e === 'rect').length, name).toBeGreaterThan(3);
      expect(svg, name).not.toMatch(/NaN|undefined|Infinity|null/);
      for (const [, width] of svg.matchAll(/ width='([^']+)'/g))
        expect(Number(width), name).toBeGreaterThanOrEqual(0);
    }
  });

  it('are the files docs/benchmarks.md shows (run `pnpm --filter @troupe/bench bench:charts` after a bench run)', () => {
    for (const { name, svg } of charts) {
      const onDisk = readFileSync(join(imgDir, name), 'utf8');
      expect(
        onDisk === svg,
        `docs/img/${name} is out of date: run pnpm --filter @troupe/bench bench:charts`,
      ).toBe(true);
    }
  });

  it('escape what they print and scale bars to the axis', () => {
    const svg = renderBarChart({
      title: 'A & B <c>',
      subtitle: ['it\'s "quoted"'],
      unit: 'ms',
      series: [{ name: 'x', colour: Palette.troupe }],
      rows: [
        { label: 'a < b', values: [50] },
        { label: 'none', values: [undefined] },
      ],
    });
    checkSvg(svg);
    expect(svg).toContain('A &amp; B &lt;c&gt;');
    expect(svg).toContain('a &lt; b');
    expect(escapeXml(`'"`)).toBe('&apos;&quot;');
    expect(() => checkSvg('<svg><g></svg>')).toThrow(/closes the wrong element/);
    expect(() => checkSvg("<svg xmlns='http://www.w3.org/2000/svg'>a & b</svg>")).toThrow(/bare "&"/);
  });

  it('put the axis ticks at 1, 2 or 5 × 10ⁿ, from 0 past the largest value', () => {
    expect(niceTicks(1388)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(28.7)).toEqual([0, 10, 20, 30]);
    expect(niceTicks(6.24)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });
});

describe('the current figures docs/benchmarks.md opens with', () => {
  it('are those of the result files (run `pnpm --filter @troupe/bench bench:charts` after a bench run)', () => {
    const page = readFileSync(join(benchDir, '..', 'docs', 'benchmarks.md'), 'utf8');
    const generated = currentFiguresMarkdown(readBenchResults(join(benchDir, 'results')));
    expect(
      withCurrentFigures(page, generated) === page,
      'docs/benchmarks.md is out of date: run pnpm --filter @troupe/bench bench:charts',
    ).toBe(true);
    expect(page.indexOf(generated)).toBeLessThan(page.indexOf('![')); // the table comes before the charts
  });
});
