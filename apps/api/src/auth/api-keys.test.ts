import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isApiError } from '../problem.js';
import {
  createKeyStore,
  hasScope,
  loadApiKeys,
  mayUseWorkflow,
  parseApiKeys,
  presentedKey,
} from './api-keys.js';

const KEY_A = 'a'.repeat(20);
const KEY_B = 'b'.repeat(20);

describe('parseApiKeys', () => {
  it('reads the comma form, scopes with colons included', () => {
    const keys = parseApiKeys(
      `${KEY_A}:acme:tasks:write+tasks:read:ask+report, ${KEY_B}:globex:tasks:read`,
      'TROUPE_API_KEYS',
    );
    expect(keys).toEqual([
      { key: KEY_A, tenant: 'acme', scopes: ['tasks:write', 'tasks:read'], workflows: ['ask', 'report'] },
      { key: KEY_B, tenant: 'globex', scopes: ['tasks:read'] },
    ]);
  });

  it('reads key:tenant:scopes[:workflows] entries separated by commas or newlines', () => {
    const keys = parseApiKeys(`${KEY_A}:acme:review+admin:ask+report\n${KEY_B}:globex:admin`, 'X');
    expect(keys).toEqual([
      { key: KEY_A, tenant: 'acme', scopes: ['review', 'admin'], workflows: ['ask', 'report'] },
      { key: KEY_B, tenant: 'globex', scopes: ['admin'] },
    ]);
  });

  it('reads a JSON array', () => {
    const keys = parseApiKeys(
      JSON.stringify([{ key: KEY_A, tenant: 'acme', scopes: ['tasks:write', 'tasks:read'], name: 'ci' }]),
      'TROUPE_API_KEYS',
    );
    expect(keys).toEqual([{ key: KEY_A, tenant: 'acme', scopes: ['tasks:write', 'tasks:read'], name: 'ci' }]);
  });

  it.each([
    ['short:acme:admin', 'at least 16 characters'],
    [`${KEY_A}:ac.me:admin`, 'a tenant uses letters'],
    [`${KEY_A}:acme:root`, 'with scopes from tasks:write, tasks:read, review, admin'],
    [`${KEY_A}:acme`, 'key:tenant:scope1+scope2'],
    ['[{"key": 1}]', 'entry'],
    ['[not json', 'not valid JSON'],
  ])('rejects %j naming the fault', (text, message) => {
    try {
      parseApiKeys(text, 'TROUPE_API_KEYS');
      expect.unreachable();
    } catch (err) {
      expect(isApiError(err)).toBe(true);
      expect((err as Error).message).toContain('TROUPE_API_KEYS');
      expect((err as Error).message).toContain(message);
    }
  });

  it('loads TROUPE_API_KEYS and TROUPE_API_KEYS_FILE together', () => {
    const dir = mkdtempSync(join(tmpdir(), 'troupe-keys-'));
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify([{ key: KEY_B, tenant: 'globex', scopes: ['admin'] }]));
    const keys = loadApiKeys({ TROUPE_API_KEYS: `${KEY_A}:acme:review`, TROUPE_API_KEYS_FILE: file });
    expect(keys.map((k) => k.tenant)).toEqual(['acme', 'globex']);
    expect(() => loadApiKeys({ TROUPE_API_KEYS_FILE: join(dir, 'missing.json') })).toThrow(/cannot read/);
  });
});

describe('createKeyStore', () => {
  const store = createKeyStore([
    { key: KEY_A, tenant: 'acme', scopes: ['tasks:read'], workflows: ['ask'] },
    { key: KEY_B, tenant: 'globex', scopes: ['admin'], name: 'ops' },
  ]);

  it('finds the principal of a key and nothing for others', () => {
    const a = store.authenticate(KEY_A)!;
    expect(a.tenant).toBe('acme');
    expect(a.name).toMatch(/^key-[0-9a-f]{12}$/);
    expect(hasScope(a, 'tasks:read')).toBe(true);
    expect(hasScope(a, 'tasks:write')).toBe(false);
    expect(mayUseWorkflow(a, 'ask')).toBe(true);
    expect(mayUseWorkflow(a, 'report')).toBe(false);
    const b = store.authenticate(KEY_B)!;
    expect(b.name).toBe('ops');
    expect(hasScope(b, 'review')).toBe(true); // admin implies every scope
    expect(store.authenticate('c'.repeat(20))).toBeUndefined();
    expect(store.authenticate('')).toBeUndefined();
  });

  it('refuses a key listed twice', () => {
    expect(() =>
      createKeyStore([
        { key: KEY_A, tenant: 'a', scopes: ['admin'] },
        { key: KEY_A, tenant: 'b', scopes: ['admin'] },
      ]),
    ).toThrow(/listed twice/);
  });

  it('reads Bearer and x-api-key', () => {
    expect(presentedKey({ authorization: `Bearer ${KEY_A}` })).toBe(KEY_A);
    expect(presentedKey({ authorization: `bearer   ${KEY_A} ` })).toBe(KEY_A);
    expect(presentedKey({ 'x-api-key': KEY_B })).toBe(KEY_B);
    expect(presentedKey({ authorization: 'Basic abc' })).toBeUndefined();
  });
});
