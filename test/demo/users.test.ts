import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../clients/users/types.js';
import { startDemoServices, type DemoServices } from '../../src/demo/index.js';
import { expectError, request } from './helpers.js';

describe('Demo users service', () => {
  let services: DemoServices;
  beforeAll(async () => {
    services = await startDemoServices();
  });
  afterAll(() => services.close());

  it('answers GET /users/{id} with the user', async () => {
    const response = await request<User>(`${services.urls.users}/users/u1`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      id: 'u1',
      name: expect.any(String),
      email: expect.stringMatching(/@example\.com$/),
      avatarUrl: 'https://img.example.com/avatars/u1.jpg',
      avatarThumbUrl: 'https://img.example.com/avatars/u1_thumb.jpg',
      tier: 'pro',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
  });

  it('answers an unknown user with 404 and the error body', async () => {
    expectError(await request(`${services.urls.users}/users/u999`), 404, 'NOT_FOUND');
  });

  it('answers GET /users?ids= with { items }', async () => {
    const response = await request<{ items: User[] }>(`${services.urls.users}/users?ids=u2,u1`);
    expect(response.body.items.map((user) => user.id).sort()).toEqual(['u1', 'u2']);
  });
});
