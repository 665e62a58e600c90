import { TIERS } from '../types.js';
import { readEnum, readId, readRecord, readString } from '../validate.js';
import type { User } from './types.js';

/** Checks and copies one `User` (CONTRACT.md §1 users); throws a `ShapeError` when wrong. */
export function parseUser(value: unknown): User {
  const o = readRecord(value, 'user');
  return {
    id: readId(o, 'id'),
    name: readString(o, 'name'),
    email: readString(o, 'email'),
    avatarUrl: readString(o, 'avatarUrl'),
    avatarThumbUrl: readString(o, 'avatarThumbUrl'),
    tier: readEnum(o, 'tier', TIERS),
    createdAt: readString(o, 'createdAt'),
  };
}
