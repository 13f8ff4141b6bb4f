import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectionEnv, NatsEnv } from './connection-env.js';
import { BusErrorCode } from './errors.js';
import { resolveConnectOptions } from './options.js';

const dir = mkdtempSync(join(tmpdir(), 'troupe-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => {
  const path = join(dir, name);
  writeFileSync(path, 'x');
  return path;
};
const SEED = 'SUAMLK2ZNL35WSMW37E7UD4VZ7ELPKW7DHC3BWBSD2GCZ7IUQQXZIORRBU';

describe('resolveConnectOptions', () => {
  it('reads servers from NATS_URL, comma-separated', () => {
    const o = resolveConnectOptions({}, { NATS_URL: 'nats://a:4222, nats://b:4222' });
    expect(o.servers).toEqual(['nats://a:4222', 'nats://b:4222']);
  });

  it('reads each kind of credentials from the environment', () => {
    const creds = file('user.creds');
    expect(resolveConnectOptions({}, { TROUPE_NATS_CREDS: creds }).credentials).toEqual({
      kind: 'creds',
      file: creds,
    });
    expect(resolveConnectOptions({}, { TROUPE_NATS_NKEY: SEED }).credentials).toEqual({
      kind: 'nkey',
      seed: SEED,
    });
    expect(
      resolveConnectOptions({}, { TROUPE_NATS_USER: 'ann', TROUPE_NATS_PASSWORD: 's3cret' }).credentials,
    ).toEqual({ kind: 'user', user: 'ann', pass: 's3cret' });
    expect(resolveConnectOptions({}, { TROUPE_NATS_TOKEN: 't0k' }).credentials).toEqual({
      kind: 'token',
      token: 't0k',
    });
    expect(resolveConnectOptions({}, { TROUPE_NATS_TOKEN: ' ' }).credentials).toEqual({ kind: 'none' });
  });

  it('lets options replace the credentials of the environment, and takes the password of a user given as an option from it', () => {
    const env = { TROUPE_NATS_TOKEN: 'from-env', TROUPE_NATS_PASSWORD: 'pw' };
    expect(resolveConnectOptions({ user: 'bob' }, env).credentials).toEqual({
      kind: 'user',
      user: 'bob',
      pass: 'pw',
    });
    expect(resolveConnectOptions({ user: 'bob', pass: 'other' }, env).credentials).toEqual({
      kind: 'user',
      user: 'bob',
      pass: 'other',
    });
    expect(resolveConnectOptions({ nkeySeed: SEED }, { TROUPE_NATS_USER: 'x' }).credentials.kind).toBe(
      'nkey',
    );
  });

  it('refuses two kinds of credentials at once, naming both', () => {
    expect(() => resolveConnectOptions({ user: 'a', token: 't' }, {})).toThrow(
      /option "user" and option "token" are two kinds of credentials: give one/,
    );
    expect(() => resolveConnectOptions({}, { TROUPE_NATS_TOKEN: 't', TROUPE_NATS_NKEY: SEED })).toThrow(
      /TROUPE_NATS_TOKEN and TROUPE_NATS_NKEY are two kinds of credentials/,
    );
    expect(() => resolveConnectOptions({}, { TROUPE_NATS_PASSWORD: 'p' })).toThrow(
      /TROUPE_NATS_PASSWORD needs TROUPE_NATS_USER too/,
    );
    expect(() => resolveConnectOptions({}, { TROUPE_NATS_NKEY: 'not-a-seed' })).toThrow(
      /TROUPE_NATS_NKEY is not an NKey user seed/,
    );
  });

  it('takes TLS files from options or the environment; a certificate and its key go together', () => {
    const [ca, cert, key] = [file('ca.pem'), file('cert.pem'), file('key.pem')];
    expect(resolveConnectOptions({ tlsCa: ca }, {}).tls).toEqual({ caFile: ca });
    expect(
      resolveConnectOptions(
        {},
        { TROUPE_NATS_TLS_CA: ca, TROUPE_NATS_TLS_CERT: cert, TROUPE_NATS_TLS_KEY: key },
      ).tls,
    ).toEqual({ caFile: ca, certFile: cert, keyFile: key });
    expect(resolveConnectOptions({}, { NATS_URL: 'tls://a:4222' }).tls).toEqual({});
    expect(resolveConnectOptions({}, {}).tls).toBeUndefined();
    expect(() => resolveConnectOptions({ tlsCert: cert }, {})).toThrow(
      /option "tlsCert" needs option "tlsKey" too/,
    );
    // The option's certificate does not pair with the environment's key.
    expect(() => resolveConnectOptions({ tlsKey: key }, { TROUPE_NATS_TLS_CERT: cert })).toThrow(
      /option "tlsKey" needs option "tlsCert" too/,
    );
    expect(() => resolveConnectOptions({}, { TROUPE_NATS_TLS_KEY: key })).toThrow(
      /TROUPE_NATS_TLS_KEY needs TROUPE_NATS_TLS_CERT too/,
    );
  });

  it('checks that the files named can be read, naming the option or variable', () => {
    const missing = join(dir, 'nope.pem');
    for (const [options, env, name] of [
      [{ tlsCa: missing }, {}, 'option "tlsCa"'],
      [{}, { TROUPE_NATS_TLS_CA: missing }, 'TROUPE_NATS_TLS_CA'],
      [{ credsFile: missing }, {}, 'option "credsFile"'],
      [{}, { TROUPE_NATS_CREDS: missing }, 'TROUPE_NATS_CREDS'],
    ] as const) {
      try {
        resolveConnectOptions(options, env);
        expect.unreachable();
      } catch (err) {
        expect((err as Error).message).toContain(`${name} (${missing}) cannot be read: ENOENT`);
        expect(err).toMatchObject({ code: BusErrorCode.InvalidOptions });
      }
    }
    if (process.getuid?.() !== 0) {
      const locked = file('locked.pem');
      chmodSync(locked, 0o000);
      expect(() => resolveConnectOptions({ tlsCa: locked }, {})).toThrow(
        /option "tlsCa" .* cannot be read: EACCES/,
      );
    }
  });

  it('names the option at fault', () => {
    expect(() => resolveConnectOptions({ timeoutMs: -1 })).toThrow(/option "timeoutMs" is invalid/);
    expect(() => resolveConnectOptions({ servers: 'http://x' })).toThrow(/option "servers" has "http:\/\/x"/);
    expect(() => resolveConnectOptions({ nkeySeed: 'nope' })).toThrow(/option "nkeySeed"/);
    expect(() => resolveConnectOptions({ pass: 'p' }, {})).toThrow(/option "pass" needs option "user"/);
    // @ts-expect-error: unknown options are refused, not ignored
    expect(() => resolveConnectOptions({ sever: 'x' })).toThrow(/option "\(root\)"|sever/);
  });
});

describe('connectionEnv', () => {
  it('sets the variables of the connection and removes every other NATS variable of the base', () => {
    const ca = file('ca.pem');
    const env = connectionEnv(
      {
        servers: ['nats://a:1', 'nats://b:2'],
        credentials: { kind: 'user', user: 'ann', pass: 'pw' },
        tls: { caFile: ca },
      },
      { TROUPE_NATS_TOKEN: 'old', PATH: '/bin' },
    );
    expect(env).toEqual({
      PATH: '/bin',
      [NatsEnv.Servers]: 'nats://a:1,nats://b:2',
      [NatsEnv.User]: 'ann',
      [NatsEnv.Password]: 'pw',
      [NatsEnv.TlsCa]: ca,
    });
    // What a child reads back is what the parent resolved.
    expect(resolveConnectOptions({}, env).credentials).toEqual({ kind: 'user', user: 'ann', pass: 'pw' });
  });
});
