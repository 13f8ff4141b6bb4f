import { describe, expect, it } from 'vitest';
import { serviceColour } from './service-colour.js';

describe('serviceColour', () => {
  it('gives Troupe services and built-in roles distinct colours', () => {
    const names = [
      'troupe-api',
      'troupe-supervisor',
      'troupe-agent',
      'planner',
      'researcher',
      'analyst',
      'drafter',
      'reviewer',
      'assistant',
    ];
    expect(new Set(names.map(serviceColour)).size).toBe(names.length);
  });

  it('is stable for any other name, and never one of the reserved colours', () => {
    expect(serviceColour('my-custom-role')).toBe(serviceColour('my-custom-role'));
    expect(serviceColour('toString')).toMatch(/^#[0-9a-f]{6}$/);
    expect(serviceColour('my-custom-role')).not.toBe(serviceColour('planner'));
  });
});
