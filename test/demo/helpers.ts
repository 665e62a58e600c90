import { expect } from 'vitest';

export interface JsonResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** Sends a request and parses the JSON body; the caller states the body type it expects. */
export async function request<T = unknown>(url: string, init: RequestInit = {}): Promise<JsonResponse<T>> {
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

/** POSTs a JSON body with the given headers. */
export function post<T = unknown>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonResponse<T>> {
  return request<T>(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** Asserts a contract error: the status and the body `{ error: { code, message } }`. */
export function expectError(response: JsonResponse<unknown>, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.body).toEqual({ error: { code, message: expect.any(String) } });
}

/** `['p1', …, 'pN']`-style ids. */
export function ids(prefix: string, count: number, from = 1): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${from + i}`);
}
