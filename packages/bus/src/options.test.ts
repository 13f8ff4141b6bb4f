import { describe, expect, it } from 'vitest';
import { resolveConnectOptions } from './options.js';

describe('resolveConnectOptions', () => {
  it('reads servers from NATS_URL, comma-separated', () => {
    const o = resolveConnectOptions({}, { NATS_URL: 'nats://a:4222, nats://b:4222' });
    expect(o.servers).toEqual(['nats://a:4222', 'nats://b:4222']);
  });

  it('reads the creds file from TROUPE_NATS_CREDS', () => {
    expect(resolveConnectOptions({}, { TROUPE_NATS_CREDS: '/x.creds' }).credsFile).toBe('/x.creds');
  });

  it('names the option at fault', () => {
    expect(() => resolveConnectOptions({ timeoutMs: -1 })).toThrow(/option "timeoutMs" is invalid/);
    expect(() => resolveConnectOptions({ servers: 'http://x' })).toThrow(/option "servers" has "http:\/\/x"/);
    expect(() => resolveConnectOptions({ nkeySeed: 'nope' })).toThrow(/option "nkeySeed"/);
    expect(() => resolveConnectOptions({ pass: 'p' })).toThrow(/option "pass" needs "user"/);
    // @ts-expect-error: unknown options are refused, not ignored
    expect(() => resolveConnectOptions({ sever: 'x' })).toThrow(/option "\(root\)"|sever/);
  });
});
