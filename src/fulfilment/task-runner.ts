import type { FulfilmentAction, Receipt } from './connector.ts';
import type { FulfilmentDeps } from './fulfilment-deps.ts';

/** How a source that answered 202 reports back through its signed callback. */
export type CallbackResult =
  | { ok: true; receipt: Receipt; records?: Record<string, Record<string, unknown>[]> }
  | { ok: false; error: string };

/**
 * Settles the waiting task of (source, reference, action) with what the source reported; completes
 * or fails the request when it was the last one. 'not_waiting' when no such task waits (unknown
 * reference, already settled): the caller answers 404/409 without saying which.
 */
export async function settleWaitingTask(
  _deps: FulfilmentDeps,
  _input: { source: string; reference: string; action: FulfilmentAction; result: CallbackResult },
): Promise<'settled' | 'not_waiting'> {
  throw new Error('not implemented yet');
}
