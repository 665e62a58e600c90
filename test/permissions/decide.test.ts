import type { GraphQLResolveInfo } from 'graphql';
import { chain, race, rule } from '../../src/permissions/shield.js';
import { describe, expect, it } from 'vitest';
import type { Consumer } from '../../src/auth/consumer.js';
import { anonymousConsumer } from '../../src/auth/consumer.js';
import type { Context } from '../../src/context.js';
import { decide, decidedBy } from '../../src/permissions/decide.js';
import { hasScope, isUser } from '../../src/permissions/rules.js';

const info = {} as GraphQLResolveInfo;
const contextFor = (consumer: Consumer) => ({ audience: 'web', consumer }) as Context;
const writer: Consumer = { kind: 'user', id: 'u1', tier: 'free', scopes: new Set(['orders:write']) };
const reader: Consumer = { kind: 'user', id: 'u1', tier: 'free', scopes: new Set() };
const codeOf = (verdict: unknown) => (verdict as { extensions?: { code?: string } }).extensions?.code;

describe('Permission decisions', () => {
  it('decides a registered rule once per key and request, answering repeats synchronously', () => {
    let runs = 0;
    const run = (object: { owner: string }) => (runs++, object.owner === 'me');
    const owns = decidedBy(rule('test:owns', { cache: 'no_cache' })(run), (object: { owner: string }) => object.owner, run);
    const ctx = contextFor(writer);
    expect(decide(owns, { owner: 'me' }, {}, ctx, info)).toBe(true);
    expect(decide(owns, { owner: 'me' }, {}, ctx, info)).toBe(true);
    expect(runs).toBe(1);
    expect(codeOf(decide(owns, { owner: 'someone' }, {}, ctx, info))).toBe('FORBIDDEN');
    expect(runs).toBe(2);
    // A new request decides afresh.
    decide(owns, { owner: 'me' }, {}, contextFor(writer), info);
    expect(runs).toBe(3);
  });

  it('keeps the verdicts of two rules decided by the same key apart within one request', () => {
    // isUser and hasScope are both decided once per request (the same empty key): one passing must not pass the other.
    const ctx = contextFor(reader);
    expect(decide(isUser, {}, {}, ctx, info)).toBe(true);
    expect(codeOf(decide(hasScope('orders:write'), {}, {}, ctx, info))).toBe('FORBIDDEN');
    expect(codeOf(decide(hasScope('notifications:write'), {}, {}, ctx, info))).toBe('FORBIDDEN');
  });

  it('evaluates `chain` rules through graphql-shield: every rule must pass, the first failure answers', async () => {
    const placeOrder = chain(isUser, hasScope('orders:write'));
    expect(await decide(placeOrder, {}, {}, contextFor(writer), info)).toBe(true);
    expect(codeOf(await decide(placeOrder, {}, {}, contextFor(reader), info))).toBe('FORBIDDEN');
    expect(codeOf(await decide(placeOrder, {}, {}, contextFor(anonymousConsumer('127.0.0.1')), info))).toBe('UNAUTHENTICATED');
  });

  it('evaluates `race` rules through graphql-shield: the first rule to pass is enough', async () => {
    const userOrScope = race(hasScope('orders:write'), isUser);
    expect(await decide(userOrScope, {}, {}, contextFor(reader), info)).toBe(true);
    expect(await decide(userOrScope, {}, {}, contextFor(writer), info)).toBe(true);
    expect(codeOf(await decide(userOrScope, {}, {}, contextFor(anonymousConsumer('127.0.0.1')), info))).toBe('UNAUTHENTICATED');
  });

  it('turns a rule that throws into a denial, never an unhandled error', async () => {
    const broken = rule('test:broken', { cache: 'no_cache' })(() => {
      throw new Error('bug');
    });
    expect(codeOf(await decide(broken, {}, {}, contextFor(reader), info))).toBe('FORBIDDEN');
  });
});
