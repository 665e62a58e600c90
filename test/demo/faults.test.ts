import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaultSwitch, startDemoServices, type DemoServices } from '../../src/demo/index.js';

describe('Demo services: the fault switch', () => {
  const faults = createFaultSwitch();
  let services: DemoServices;
  beforeAll(async () => {
    services = await startDemoServices({ faults });
  });
  afterAll(() => services.close());

  it('serves normally until a fault is set, fails as told (health included), and recovers when cleared', async () => {
    expect((await fetch(`${services.urls.users}/users/u1`)).status).toBe(200);
    faults.set('users', 'error');
    expect((await fetch(`${services.urls.users}/users/u1`)).status).toBe(500);
    expect((await fetch(`${services.urls.users}/health`)).status).toBe(500);
    expect((await fetch(`${services.urls.orders}/health`)).status).toBe(200);
    faults.set('users', 'garbage');
    const garbage = await fetch(`${services.urls.users}/users/u1`);
    expect(garbage.headers.get('content-type')).toBe('text/html');
    faults.set('users', 'reset');
    await expect(fetch(`${services.urls.users}/users/u1`)).rejects.toThrow();
    faults.clear();
    expect((await fetch(`${services.urls.users}/users/u1`)).status).toBe(200);
  });

  it('cannot be switched over HTTP: there is no route for it', async () => {
    for (const path of ['/_demo/faults', '/_demo/fault', '/faults']) {
      expect((await fetch(`${services.urls.users}${path}`, { method: 'POST', body: '{"mode":"hang"}' })).status).toBe(404);
    }
    expect((await fetch(`${services.urls.users}/users/u1`)).status).toBe(200);
  });
});
