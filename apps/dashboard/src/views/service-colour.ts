/**
 * A stable colour per service or role: the same name gets the same colour on every page load, in every
 * trace. Troupe's own services and built-in roles have colours of their own, so they never share one;
 * other names (custom roles, other services) hash into the rest of the palette.
 */
const FIXED: Readonly<Record<string, string>> = {
  'troupe-api': '#7f7f7f',
  'troupe-supervisor': '#4e79a7',
  'troupe-agent': '#9c755f',
  planner: '#f28e2b',
  researcher: '#59a14f',
  analyst: '#b07aa1',
  drafter: '#e15759',
  reviewer: '#c9a227',
  assistant: '#76b7b2',
};

const SHARED = ['#ff9da7', '#3fb5d9', '#8cd17d', '#d37295', '#499894', '#ffbe7d', '#a0cbe8'] as const;

/** FNV-1a over UTF-16 code units: cheap, and the same in every engine. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function serviceColour(name: string): string {
  return Object.hasOwn(FIXED, name) ? FIXED[name]! : SHARED[hash(name) % SHARED.length]!;
}
