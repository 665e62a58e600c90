import type { UsersClient } from '../index.js';
import { batchRead, type Upstream } from '../upstream.js';
import { parseItems } from '../validate.js';
import { parseUser } from './parse.js';

/** The users service's verbs (CONTRACT.md §1 users) over one bound upstream. */
export function createUsersClient(up: Upstream): UsersClient {
  return {
    getUser: (id) => up.getOrNull('/users/{id}', ['users', id], parseUser),
    getUsersByIds: (ids) =>
      batchRead(ids, (chunk) => up.get('/users?ids', ['users'], { ids: chunk }, (body) => parseItems(body, parseUser))),
  };
}
