import { MAX_BATCH_IDS } from '../../clients/types.js';
import { ok, type Reply } from './http.js';
import { badRequest, notFound } from './errors.js';
import type { Table } from './table.js';

/**
 * A batch read's ids (`?ids=a,b,c`, or repeated): comma-separated, trimmed,
 * empty entries ignored, duplicates dropped. 400 when there are none or more
 * than 100 (CONTRACT.md §1, "Batch read").
 */
function batchIds(query: URLSearchParams, name: string): string[] {
  const ids = query
    .getAll(name)
    .flatMap((value) => value.split(','))
    .map((id) => id.trim())
    .filter((id) => id !== '');
  if (ids.length === 0) throw badRequest(`${name} is required: 1–${MAX_BATCH_IDS} comma-separated ids`);
  if (ids.length > MAX_BATCH_IDS) throw badRequest(`${name} has ${ids.length} ids; at most ${MAX_BATCH_IDS} are allowed`);
  return [...new Set(ids)];
}

/**
 * Answers a batch read `{ items }` from `table`: stored order, unknown ids
 * omitted, each row once (CONTRACT.md §1, "Batch read").
 */
export function batchRead<T>(query: URLSearchParams, name: string, table: Table<T>): Reply {
  return ok({ items: table.pick(batchIds(query, name)) });
}

/** The row with this id; a 404 with the contract's error body when there is none. */
export function findOr404<T>(table: Table<T>, id: string, noun: string): T {
  const row = table.get(id);
  if (row === undefined) throw notFound(`${noun} ${id} not found`);
  return row;
}

/** Answers a single read `GET /<things>/{id}`: the row, or 404 with the error body. */
export function singleRead<T>(table: Table<T>, id: string, noun: string): Reply {
  return ok(findOr404(table, id, noun));
}
