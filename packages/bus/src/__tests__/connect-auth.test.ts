import { nkeys } from '@nats-io/nats-core';
import { describe, expect, it } from 'vitest';
import { BusErrorCode, connect, type BusOptions } from '@troupe/bus';
import { makeTlsCertificates, makeUserCreds, startNatsServer } from '@troupe/bus/testing';

/** Connects, checks the connection works end to end (JetStream answers), closes. */
async function connectsWith(options: BusOptions): Promise<void> {
  const bus = await connect({ timeoutMs: 2_000, ...options });
  try {
    await bus.ensureTopology();
    expect(await bus.hasTopology()).toBe(true);
  } finally {
    await bus.close();
  }
}

/** A refused connection fails fast with CONNECT_FAILED, naming the server. */
async function refused(options: BusOptions & { servers: string }): Promise<void> {
  await expect(connect({ timeoutMs: 1_000, ...options })).rejects.toMatchObject({
    name: 'BusError',
    code: BusErrorCode.ConnectFailed,
    message: expect.stringContaining(options.servers) as unknown,
  });
}

describe('connecting with credentials and TLS', () => {
  it('user and password: the right pair connects; a wrong password or none is refused', async () => {
    await using server = await startNatsServer({
      config: 'authorization { user: troupe, password: "s3cret-pw" }',
    });
    await connectsWith({ servers: server.url, user: 'troupe', pass: 's3cret-pw' });
    await refused({ servers: server.url, user: 'troupe', pass: 'wrong' });
    await refused({ servers: server.url });
  });

  it('a token: the right one connects; a wrong one is refused', async () => {
    await using server = await startNatsServer({ config: 'authorization { token: "t0ken-abc" }' });
    await connectsWith({ servers: server.url, token: 't0ken-abc' });
    await refused({ servers: server.url, token: 'nope' });
  });

  it('an NKey: its seed connects as the user the server knows by the public key; another seed is refused', async () => {
    const user = nkeys.createUser();
    const stranger = nkeys.createUser();
    const seedOf = (kp: typeof user) => new TextDecoder().decode(kp.getSeed());
    await using server = await startNatsServer({
      config: `authorization { users: [ { nkey: "${user.getPublicKey()}" } ] }`,
    });
    await connectsWith({ servers: server.url, nkeySeed: seedOf(user) });
    await refused({ servers: server.url, nkeySeed: seedOf(stranger) });
    await refused({ servers: server.url });
  });

  it('a .creds file (user JWT and seed) of an account the server trusts connects; one of an unknown account is refused', async () => {
    using creds = makeUserCreds();
    await using server = await startNatsServer({ config: creds.serverConfig });
    await connectsWith({ servers: server.url, credsFile: creds.credsFile });
    await refused({ servers: server.url, credsFile: creds.strangerCredsFile });
    await refused({ servers: server.url });
  });

  it('TLS with client verification: the CA and a client certificate connect; without the certificate, or trusting another CA, it is refused', async () => {
    using certs = makeTlsCertificates();
    await using server = await startNatsServer({
      config: `tls { cert_file: "${certs.serverCert}", key_file: "${certs.serverKey}", ca_file: "${certs.caFile}", verify: true }`,
    });
    await connectsWith({
      servers: server.url,
      tlsCa: certs.caFile,
      tlsCert: certs.clientCert,
      tlsKey: certs.clientKey,
    });
    await refused({ servers: server.url, tlsCa: certs.caFile });
    await refused({
      servers: server.url,
      tlsCa: certs.otherCaFile,
      tlsCert: certs.clientCert,
      tlsKey: certs.clientKey,
    });
  });
});
