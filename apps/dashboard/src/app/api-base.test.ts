import { describe, expect, it } from 'vitest';
import { apiBaseUrl } from './api-base.js';

describe('apiBaseUrl', () => {
  it('is what comes before /ui/', () => {
    expect(apiBaseUrl({ origin: 'http://127.0.0.1:3000', pathname: '/ui/' })).toBe('http://127.0.0.1:3000');
    expect(apiBaseUrl({ origin: 'http://127.0.0.1:3000', pathname: '/ui/index.html' })).toBe(
      'http://127.0.0.1:3000',
    );
    expect(apiBaseUrl({ origin: 'https://ops.example', pathname: '/troupe/ui/' })).toBe(
      'https://ops.example/troupe',
    );
    expect(apiBaseUrl({ origin: 'https://ops.example', pathname: '/troupe/ui' })).toBe(
      'https://ops.example/troupe',
    );
    expect(apiBaseUrl({ origin: 'http://localhost:5173', pathname: '/' })).toBe('http://localhost:5173');
  });
});
