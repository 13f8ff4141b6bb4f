import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToolRegistry, type ToolRegistry } from '../registry.js';
import { createReadFileTool } from './read-file.js';

describe('read_file', () => {
  let base: string;
  let root: string;
  let registry: ToolRegistry;

  beforeAll(async () => {
    base = await realpath(await mkdtemp(path.join(tmpdir(), 'troupe-read-file-')));
    root = path.join(base, 'allowed');
    await mkdir(path.join(root, 'notes'), { recursive: true });
    await mkdir(path.join(base, 'private'));
    await writeFile(path.join(root, 'notes', 'plan.md'), '# Plan\n\nShip the tools package.\n');
    await writeFile(path.join(root, 'big.txt'), 'x'.repeat(5_000));
    await writeFile(path.join(root, 'blob.bin'), Buffer.from([0x89, 0x50, 0, 0, 1, 2]));
    await writeFile(path.join(base, 'private', 'secret.txt'), 'top secret');
    await writeFile(path.join(base, 'allowed-sibling.txt'), 'sibling with a shared name prefix');
    await symlink(path.join(base, 'private', 'secret.txt'), path.join(root, 'innocent.txt'));
    await symlink(path.join(base, 'private'), path.join(root, 'linked-dir'));
    await symlink(path.join(root, 'notes', 'plan.md'), path.join(root, 'plan-link.md'));
    registry = createToolRegistry([createReadFileTool({ roots: [root], maxBytes: 1_000 })]);
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('reads a file inside the allowed folder, by relative or absolute path', async () => {
    const expected = {
      path: 'notes/plan.md',
      bytes: 32,
      truncated: false,
      text: '# Plan\n\nShip the tools package.\n',
    };
    expect(await registry.call('read_file', { path: 'notes/plan.md' })).toMatchObject({
      ok: true,
      value: expected,
    });
    expect(await registry.call('read_file', { path: path.join(root, 'notes', 'plan.md') })).toMatchObject({
      ok: true,
      value: expected,
    });
    expect(await registry.call('read_file', { path: 'notes/../notes/plan.md' })).toMatchObject({ ok: true });
  });

  it('follows a symlink that stays inside the folder', async () => {
    expect(await registry.call('read_file', { path: 'plan-link.md' })).toMatchObject({
      ok: true,
      value: { path: 'notes/plan.md' },
    });
  });

  it.each([
    ['a ".." escape', '../private/secret.txt'],
    ['a deeper ".." escape', 'notes/../../private/secret.txt'],
    ['an absolute path outside', '/etc/passwd'],
    ['a sibling folder sharing the name prefix', '../allowed-sibling.txt'],
    ['a symlink to a file outside', 'innocent.txt'],
    ['a path through a symlinked folder outside', 'linked-dir/secret.txt'],
  ])('refuses %s as FORBIDDEN', async (_what, asked) => {
    const outcome = await registry.call('read_file', { path: asked });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(JSON.stringify(outcome)).not.toContain('top secret');
  });

  it('cuts files over the size cap', async () => {
    const outcome = await registry.call('read_file', { path: 'big.txt' });
    expect(outcome).toMatchObject({ ok: true, value: { bytes: 5_000, truncated: true } });
    expect(outcome.ok && (outcome.value as { text: string }).text).toHaveLength(1_000);
  });

  it('reports missing files, folders and binary files as failures', async () => {
    expect(await registry.call('read_file', { path: 'nope.md' })).toMatchObject({
      ok: false,
      error: { code: 'FAILED', message: 'No such file: "nope.md".' },
    });
    expect(await registry.call('read_file', { path: 'notes' })).toMatchObject({
      ok: false,
      error: { message: '"notes" is not a file.' },
    });
    expect(await registry.call('read_file', { path: 'blob.bin' })).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/binary/) },
    });
  });

  it('needs at least one root', () => {
    expect(() => createReadFileTool({ roots: [] })).toThrow(/option "roots"/);
  });
});
