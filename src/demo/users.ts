import type { DemoData } from './data.js';
import { createHandler, PRIVATE_NO_STORE, type DemoHandler, type HandlerOptions } from './http.js';
import { batchRead, singleRead } from './reads.js';
import { Table } from './table.js';

/** The users service (CONTRACT.md §1 "users"): `GET /users/{id}`, `GET /users?ids=`. */
export function createUsersHandler(data: DemoData, options: HandlerOptions = {}): DemoHandler {
  const users = new Table(data.users, (user) => user.id);
  return createHandler(
    {
      name: 'users',
      cacheControl: PRIVATE_NO_STORE,
      routes: [
        { method: 'GET', path: '/users/:id', handle: ({ params }) => singleRead(users, params.id, 'user') },
        { method: 'GET', path: '/users', handle: ({ query }) => batchRead(query, 'ids', users) },
      ],
    },
    options,
  );
}
