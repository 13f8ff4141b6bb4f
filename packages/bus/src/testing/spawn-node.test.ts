import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnNode } from './spawn-node.js';

describe('spawnNode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spawn-node-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a JavaScript file with plain node: no loader, no source condition, its env and args', async () => {
    const file = join(dir, 'child.mjs');
    writeFileSync(
      file,
      'process.stdout.write(`ready ${JSON.stringify({ execArgv: process.execArgv, ' +
        'argv: process.argv.slice(2), env: process.env.CHILD_ENV })}\\n`);\n',
    );
    await using child = spawnNode(file, { args: ['a', 'b'], env: { CHILD_ENV: 'x' } });
    const line = await child.waitForLine(/^ready /);
    expect(JSON.parse(line.slice('ready '.length))).toEqual({ execArgv: [], argv: ['a', 'b'], env: 'x' });
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });
});
