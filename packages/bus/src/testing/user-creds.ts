import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeys } from '@nats-io/nats-core';

type KeyPair = ReturnType<typeof nkeys.createUser>;

export interface UserCreds extends Disposable {
  /** nats-server configuration lines: operator mode with the account preloaded (resolver MEMORY). */
  serverConfig: string;
  /** A `.creds` file of a user of that account (JWT and seed). */
  credsFile: string;
  /** A `.creds` file of a user signed by another account's key, which the server does not know. */
  strangerCredsFile: string;
}

const base64url = (bytes: Uint8Array | string) =>
  Buffer.from(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes).toString('base64url');

/** A JWT as nats-server reads them: ed25519-nkey, signed by the issuer's key pair. */
function signedJwt(issuer: KeyPair, subject: string, name: string, nats: Record<string, unknown>): string {
  const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }));
  const claims = {
    jti: base64url(crypto.getRandomValues(new Uint8Array(24))),
    iat: Math.floor(Date.now() / 1000),
    iss: issuer.getPublicKey(),
    name,
    sub: subject,
    nats: { ...nats, version: 2 },
  };
  const payload = base64url(JSON.stringify(claims));
  const signature = base64url(issuer.sign(new TextEncoder().encode(`${header}.${payload}`)));
  return `${header}.${payload}.${signature}`;
}

const unlimited = { subs: -1, data: -1, payload: -1 };

function credsText(jwt: string, user: KeyPair): string {
  const seed = new TextDecoder().decode(user.getSeed());
  return `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`;
}

/**
 * An operator, an account and a user in the decentralised (JWT) model, for tests of `.creds` files: the
 * server configuration that trusts them and the user's creds file, in a temporary folder removed on dispose.
 */
export function makeUserCreds(): UserCreds {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-creds-'));
  const operator = nkeys.createOperator();
  const account = nkeys.createAccount();
  const user = nkeys.createUser();
  const operatorJwt = signedJwt(operator, operator.getPublicKey(), 'troupe-test', { type: 'operator' });
  const accountJwt = signedJwt(operator, account.getPublicKey(), 'TROUPE', {
    type: 'account',
    limits: {
      ...unlimited,
      ...{ imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 },
      // JetStream, without limits.
      ...{ mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 },
    },
  });
  const userJwt = signedJwt(account, user.getPublicKey(), 'troupe', { type: 'user', ...unlimited });
  // JetStream (which the test servers run) needs a system account in operator mode.
  const system = nkeys.createAccount();
  const systemJwt = signedJwt(operator, system.getPublicKey(), 'SYS', { type: 'account', limits: unlimited });
  const other = nkeys.createAccount();
  const stranger = nkeys.createUser();
  const strangerJwt = signedJwt(other, stranger.getPublicKey(), 'stranger', { type: 'user', ...unlimited });
  const credsFile = join(dir, 'troupe.creds');
  const strangerCredsFile = join(dir, 'stranger.creds');
  writeFileSync(credsFile, credsText(userJwt, user), { mode: 0o600 });
  writeFileSync(strangerCredsFile, credsText(strangerJwt, stranger), { mode: 0o600 });
  return {
    serverConfig: [
      `operator: ${operatorJwt}`,
      `system_account: ${system.getPublicKey()}`,
      'resolver: MEMORY',
      `resolver_preload: { ${account.getPublicKey()}: ${accountJwt}, ${system.getPublicKey()}: ${systemJwt} }`,
    ].join('\n'),
    credsFile,
    strangerCredsFile,
    [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }),
  };
}
