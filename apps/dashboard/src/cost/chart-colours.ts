import { OTHER_SERIES } from './usage-pivot.js';

/** Distinct on light and dark backgrounds (Tableau 10). */
const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
];

/** The colour of the `index`-th series of a chart; `other` is always grey. */
export function seriesColour(key: string, index: number): string {
  return key === OTHER_SERIES ? '#9a9a9a' : PALETTE[index % PALETTE.length]!;
}
