import { describe, expect, it } from 'vitest';
import { hrefFor, parseRoute, taskHref } from './router.js';

describe('parseRoute', () => {
  it('reads each page from the hash', () => {
    expect(parseRoute('')).toEqual({ page: 'tasks', query: {} });
    expect(parseRoute('#/')).toEqual({ page: 'tasks', query: {} });
    expect(parseRoute('#/tasks')).toEqual({ page: 'tasks', query: {} });
    expect(parseRoute('#/tasks/')).toEqual({ page: 'tasks', query: {} });
    expect(parseRoute('#/fleet')).toEqual({ page: 'fleet', query: {} });
    expect(parseRoute('#/cost')).toEqual({ page: 'cost', query: {} });
  });

  it('reads a task id and its replay time', () => {
    expect(parseRoute('#/tasks/t0abc_1-2')).toEqual({ page: 'task', id: 't0abc_1-2', query: {} });
    expect(parseRoute('#/tasks/t0abc?t=1700000000000')).toEqual({
      page: 'task',
      id: 't0abc',
      query: { t: '1700000000000' },
    });
    expect(parseRoute('#/tasks/a%20b')).toMatchObject({ page: 'task', id: 'a b' });
  });

  it('keeps the tasks filters', () => {
    expect(parseRoute('#/tasks?status=running&workflow=report&q=t0')).toEqual({
      page: 'tasks',
      query: { status: 'running', workflow: 'report', q: 't0' },
    });
  });

  it('names what it does not know', () => {
    expect(parseRoute('#/nope')).toEqual({ page: 'not-found', path: '/nope', query: {} });
    expect(parseRoute('#/tasks/a/b')).toMatchObject({ page: 'not-found', path: '/tasks/a/b' });
    expect(parseRoute('#/tasks/%E0%A4%A')).toMatchObject({ page: 'not-found' });
  });
});

describe('hrefFor', () => {
  it('round-trips with parseRoute', () => {
    for (const hash of [
      '#/tasks',
      '#/fleet',
      '#/cost',
      '#/tasks/t0abc',
      '#/tasks/t0abc?t=5',
      '#/tasks?status=failed',
    ]) {
      expect(hrefFor(parseRoute(hash))).toBe(hash);
    }
    expect(taskHref('a b')).toBe('#/tasks/a%20b');
    expect(hrefFor({ page: 'tasks', query: { status: '', q: 'x' } })).toBe('#/tasks?q=x');
  });
});
