import { describe, expect, it } from 'vitest';
import { combineConnection, createConnectionStore, REQUESTS } from './connection.js';

describe('combineConnection', () => {
  it('shows the worst state of the sources', () => {
    expect(combineConnection([])).toBe('live');
    expect(combineConnection(['live', 'live'])).toBe('live');
    expect(combineConnection(['live', 'connecting'])).toBe('connecting');
    expect(combineConnection(['connecting', 'reconnecting', 'live'])).toBe('reconnecting');
    expect(combineConnection(['reconnecting', 'offline'])).toBe('offline');
    expect(combineConnection(['live'], false)).toBe('offline');
  });
});

describe('createConnectionStore', () => {
  it('follows the streams of the page and tells listeners only of changes', () => {
    const store = createConnectionStore();
    const seen: string[] = [];
    store.subscribe(() => seen.push(store.get()));
    expect(store.get()).toBe('connecting');
    store.report(REQUESTS, 'live');
    store.report('tasks', 'connecting');
    store.report('tasks', 'live');
    store.report('tasks', 'reconnecting');
    store.report('tasks', 'reconnecting');
    store.report('tasks', 'live');
    expect(seen).toEqual(['live', 'connecting', 'live', 'reconnecting', 'live']);
    store.report('fleet', 'reconnecting');
    store.forget('fleet');
    expect(store.get()).toBe('live');
    expect(seen.slice(-2)).toEqual(['reconnecting', 'live']);
  });

  it('stays offline after a failed request until something gets through', () => {
    const store = createConnectionStore('live');
    store.report(REQUESTS, 'offline');
    expect(store.get()).toBe('offline');
    store.report('tasks', 'reconnecting');
    expect(store.get()).toBe('offline');
    store.report('tasks', 'live');
    expect(store.get()).toBe('live');
    store.setBrowserOnline(false);
    expect(store.get()).toBe('offline');
    store.setBrowserOnline(true);
    expect(store.get()).toBe('live');
    store.forget(REQUESTS);
    store.report(REQUESTS, 'offline');
    expect(store.get()).toBe('offline');
  });
});
