import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCaptured as run } from './__tests__/run-captured.js';
import { childConnectionEnv, connectOptionsOf, resolveConnection } from './connection-options.js';

const dir = mkdtempSync(join(tmpdir(), 'troupe-connection-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text = 'x') => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const SEED = 'SUAMLK2ZNL35WSMW37E7UD4VZ7ELPKW7DHC3BWBSD2GCZ7IUQQXZIORRBU';

describe('connection flags', () => {
  it('every process that connects takes them, and the help says to keep secrets in the environment', async () => {
    for (const command of ['up', 'agent', 'supervisor', 'api']) {
      const help = await run([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(
        /--nats <urls>[\s\S]*--creds <file>[\s\S]*--nkey <seed-file>[\s\S]*--user <name>[\s\S]*--password <password>[\s\S]*--token <token>[\s\S]*--tls-ca <file>[\s\S]*--tls-cert <file>[\s\S]*--tls-key <file>/,
      );
      expect(help.stdout.replace(/\s+/g, ' ')).toContain(
        'better in the environment, out of the process list',
      );
    }
  });

  it("turn into connect()'s options; --nkey reads the seed from its file", () => {
    const seedFile = file('user.nk', `${SEED}\n`);
    expect(connectOptionsOf({ nats: 'nats://a:1', user: 'ann', password: 'pw', tlsCa: '/ca.pem' })).toEqual({
      servers: 'nats://a:1',
      user: 'ann',
      pass: 'pw',
      tlsCa: '/ca.pem',
    });
    expect(connectOptionsOf({ nkey: seedFile })).toEqual({ nkeySeed: SEED });
    expect(() => connectOptionsOf({ nkey: join(dir, 'missing.nk') })).toThrow(
      /--nkey .*missing.nk cannot be read: ENOENT/,
    );
  });

  it('override the environment, and the message of a mistake names the flag', () => {
    const env = { NATS_URL: 'nats://env:4222', TROUPE_NATS_TOKEN: 'env-token' };
    const r = resolveConnection({ nats: 'nats://flag:4222', user: 'ann', password: 'pw' }, env);
    expect(r.servers).toEqual(['nats://flag:4222']);
    expect(r.credentials).toEqual({ kind: 'user', user: 'ann', pass: 'pw' });
    expect(() => resolveConnection({ user: 'a', token: 't' }, {})).toThrow(
      '--user and --token are two kinds of credentials: give one',
    );
    expect(() => resolveConnection({ tlsCert: file('c.pem') }, {})).toThrow('--tls-cert needs --tls-key too');
    expect(() => resolveConnection({ tlsCa: join(dir, 'nope.pem') }, {})).toThrow(
      `--tls-ca (${join(dir, 'nope.pem')}) cannot be read`,
    );
    expect(() => resolveConnection({ nkey: file('bad.nk', 'not a seed') }, {})).toThrow(/--nkey/);
  });

  it("hand the connection on to child processes as variables, dropping the environment's other credentials", () => {
    const ca = file('ca.pem');
    const env = childConnectionEnv(
      { nats: 'nats://a:1,nats://b:2', token: 'flag-token', tlsCa: ca },
      { TROUPE_NATS_USER: 'env-user', TROUPE_NATS_PASSWORD: 'env-pw', HOME: '/home/x' },
    );
    expect(env).toEqual({
      HOME: '/home/x',
      NATS_URL: 'nats://a:1,nats://b:2',
      TROUPE_NATS_TOKEN: 'flag-token',
      TROUPE_NATS_TLS_CA: ca,
    });
  });

  it('a process refuses a bad flag before it connects, naming the flag, without a stack', async () => {
    const missing = join(dir, 'nope-ca.pem');
    const r = await run(['supervisor', '--nats', 'nats://127.0.0.1:9', '--tls-ca', missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: --tls-ca (${missing}) cannot be read: ENOENT`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('up refuses credentials without --nats: the nats-server it starts takes none', async () => {
    const r = await run(['up', '--user', 'ann', '--dir', join(dir, 'up-state')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'credentials and TLS flags are for a NATS server of yours: pass --nats <urls> too',
    );
    const port = await run([
      'up',
      '--nats',
      'nats://127.0.0.1:9',
      '--nats-port',
      '4333',
      '--dir',
      join(dir, 'up-state'),
    ]);
    expect(port.code).toBe(1);
    expect(port.stderr).toContain('--nats-port is the port of the nats-server up starts');
  });
});
