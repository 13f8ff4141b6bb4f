import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliErrorCode, isCliError } from '../errors.js';
import { findNatsServer } from './find-nats-server.js';

describe('findNatsServer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-find-nats-'));
  const fake = join(dir, 'nats-server');
  writeFileSync(fake, '#!/bin/sh\n');
  chmodSync(fake, 0o755);
  const plain = join(dir, 'not-executable');
  writeFileSync(plain, '');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const failure = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      expect(isCliError(err, CliErrorCode.NatsServerMissing)).toBe(true);
      return err as Error & { hint?: string };
    }
    throw new Error('expected a failure');
  };

  it('takes NATS_SERVER_BIN, then PATH, then the usual locations', () => {
    expect(findNatsServer({ NATS_SERVER_BIN: fake, PATH: '' }, [])).toBe(fake);
    expect(findNatsServer({ PATH: `/nonexistent:${dir}` }, [])).toBe(fake);
    expect(findNatsServer({ PATH: '' }, ['/nonexistent/nats-server', fake])).toBe(fake);
  });

  it('when it is nowhere, says how to install it', () => {
    const err = failure(() => findNatsServer({ PATH: '/nonexistent' }, ['/nonexistent/sbin/nats-server']));
    expect(err.message).toBe('nats-server is not installed (looked on PATH and in /nonexistent/sbin)');
    expect(err.hint).toContain('apt-get install -y nats-server');
  });

  it('a NATS_SERVER_BIN that is not an executable is named', () => {
    const err = failure(() => findNatsServer({ NATS_SERVER_BIN: plain, PATH: dir }, []));
    expect(err.message).toBe(`NATS_SERVER_BIN names ${plain}, which is not an executable file`);
  });
});
