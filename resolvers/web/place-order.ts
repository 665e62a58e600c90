import { createHash } from 'node:crypto';
import type { NewOrder } from '../../clients/index.js';
import type { Context } from '../../src/context.js';
import { UpstreamError } from '../../clients/errors.js';
import { badUserInput, ErrorCode, gatewayError } from '../../src/errors.js';
import { viewerId } from '../../src/permissions/viewer.js';
import type { PlaceOrderInput } from '../../src/generated/web.js';

export const MAX_ORDER_LINES = 50;
export const MAX_LINE_QUANTITY = 100;
/** Long enough to be unique per checkout, short and plain enough to log and send as a header. */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Checks an order before anything is sent upstream; throws BAD_USER_INPUT
 * naming the offending input field.
 */
export function validatePlaceOrderInput(input: PlaceOrderInput): void {
  if (!IDEMPOTENCY_KEY.test(input.idempotencyKey)) {
    throw badUserInput('`idempotencyKey` must be 8–128 characters of A–Z a–z 0–9 . _ : -', 'input.idempotencyKey');
  }
  if (input.lines.length < 1 || input.lines.length > MAX_ORDER_LINES) {
    throw badUserInput(`An order needs 1–${MAX_ORDER_LINES} lines.`, 'input.lines');
  }
  const seen = new Set<string>();
  input.lines.forEach((line, i) => {
    if (!line.productId.trim()) throw badUserInput('`productId` must not be empty.', `input.lines.${i}.productId`);
    if (seen.has(line.productId)) {
      throw badUserInput('Each product may appear in one line only.', `input.lines.${i}.productId`);
    }
    seen.add(line.productId);
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_LINE_QUANTITY) {
      throw badUserInput(`\`quantity\` must be 1–${MAX_LINE_QUANTITY}.`, `input.lines.${i}.quantity`);
    }
  });
}

/**
 * The `Idempotency-Key` sent to the orders service: the client's key within
 * its user. The service keys idempotency globally (CONTRACT.md §1), and keys
 * are chosen by clients (`checkout-0001`), so two users' keys would collide:
 * the second user's checkout answered CONFLICT, and told them the key was
 * taken. A digest of the user id in front keeps the header short and plain
 * whatever the id holds, and the client's key readable after it.
 */
export function upstreamIdempotencyKey(userId: string, key: string): string {
  return `${createHash('sha256').update(userId).digest('base64url').slice(0, 22)}.${key}`;
}

/**
 * What the orders service's refusals mean to the app placing the order, said
 * in its terms (the generic "the orders service reported a conflict" told it
 * nothing it could act on); any other failure stays as it is.
 */
function orderRefusal(error: unknown): unknown {
  if (!(error instanceof UpstreamError)) return error;
  if (error.code === 'CONFLICT') {
    return gatewayError(
      ErrorCode.CONFLICT,
      'This idempotencyKey was already used for an order with other lines: send a new key for a new checkout (the same key with the same lines returns that order).',
      { extensions: { field: 'input.idempotencyKey' } },
    );
  }
  if (error.code === 'BAD_USER_INPUT') {
    return badUserInput('The orders service refused these lines: a product does not exist or cannot be ordered in that quantity.', 'input.lines');
  }
  return error;
}

/**
 * `placeOrder`: the orders service prices the lines; the idempotency key makes
 * a retry safe. The user and `orders:write` are permission rules (src/permissions/web.ts).
 */
export async function placeOrder(ctx: Context, input: PlaceOrderInput) {
  const userId = viewerId(ctx);
  validatePlaceOrderInput(input);
  const order: NewOrder = {
    userId,
    lines: input.lines.map((line) => ({ productId: line.productId, quantity: line.quantity })),
  };
  let placed;
  try {
    placed = await ctx.clients.orders.placeOrder(order, upstreamIdempotencyKey(userId, input.idempotencyKey));
  } catch (error) {
    throw orderRefusal(error);
  }
  ctx.loaders.orders.prime(placed.id, placed);
  return { order: placed };
}
