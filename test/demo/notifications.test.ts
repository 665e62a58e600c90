import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notification } from '../../clients/notifications/types.js';
import type { Page } from '../../clients/types.js';
import { startDemoServices, type DemoServices } from '../../src/demo/index.js';
import { expectError, request } from './helpers.js';

describe('Demo notifications service', () => {
  let services: DemoServices;
  beforeAll(async () => {
    services = await startDemoServices();
  });
  afterAll(() => services.close());

  const list = (query: string) => request<Page<Notification>>(`${services.urls.notifications}/notifications?${query}`);
  const unreadCount = async (userId: string) =>
    (await request<{ count: number }>(`${services.urls.notifications}/notifications/unread-count?userId=${userId}`)).body.count;
  const markRead = (id: string) => request<Notification>(`${services.urls.notifications}/notifications/${id}/read`, { method: 'POST' });

  it('lists all of a user’s notifications newest first when unread is absent', async () => {
    const response = await list('userId=u1&limit=100');
    expect(response.status).toBe(200);
    const items = response.body.items;
    expect(items).toHaveLength(services.data.notifications.filter((n) => n.userId === 'u1').length);
    expect(items.some((n) => n.read) && items.some((n) => !n.read)).toBe(true);
    const dates = items.map((n) => n.createdAt);
    expect(dates).toEqual([...dates].sort().reverse());
  });

  it('lists only unread with unread=true and only read with unread=false', async () => {
    const unread = (await list('userId=u1&unread=true&limit=100')).body.items;
    const read = (await list('userId=u1&unread=false&limit=100')).body.items;
    expect(unread.length).toBeGreaterThan(0);
    expect(read.length).toBeGreaterThan(0);
    for (const n of unread) expect(n.read).toBe(false);
    for (const n of read) expect(n.read).toBe(true);
    expect(unread.length + read.length).toBe((await list('userId=u1&limit=100')).body.items.length);
  });

  it('rejects an unread value other than true or false', async () => {
    expectError(await list('userId=u1&unread=yes'), 400, 'BAD_REQUEST');
  });

  it('requires userId', async () => {
    expectError(await list('limit=5'), 400, 'BAD_REQUEST');
    expectError(await request(`${services.urls.notifications}/notifications/unread-count`), 400, 'BAD_REQUEST');
  });

  it('counts unread notifications', async () => {
    const expected = services.data.notifications.filter((n) => n.userId === 'u1' && !n.read).length;
    expect(await unreadCount('u1')).toBe(expected);
    expect(await unreadCount('nobody')).toBe(0);
  });

  it('marks a notification read idempotently, and the unread count drops once', async () => {
    const [target] = (await list('userId=u1&unread=true&limit=1')).body.items;
    expect(target).toBeDefined();
    const before = await unreadCount('u1');
    const first = await markRead(target?.id ?? '');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ ...target, read: true });
    const second = await markRead(target?.id ?? '');
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(await unreadCount('u1')).toBe(before - 1);
  });

  it('answers marking an unknown notification with 404', async () => {
    expectError(await markRead('n999999'), 404, 'NOT_FOUND');
  });

  it('keeps an unread=true cursor valid after the notification it points at is marked read', async () => {
    const first = await list('userId=u1&unread=true&limit=2');
    const remaining = await unreadCount('u1');
    const last = first.body.items.at(-1);
    await markRead(last?.id ?? '');
    const next = await list(`userId=u1&unread=true&limit=100&cursor=${encodeURIComponent(first.body.nextCursor ?? '')}`);
    expect(next.status).toBe(200);
    expect(next.body.items).toHaveLength(remaining - 2);
    expect(next.body.items.map((n) => n.id)).not.toContain(first.body.items[0]?.id);
  });

  it('rejects a cursor from the unfiltered list on the unread list', async () => {
    const all = await list('userId=u1&limit=2');
    expectError(await list(`userId=u1&unread=true&cursor=${encodeURIComponent(all.body.nextCursor ?? '')}`), 400, 'BAD_REQUEST');
  });
});
