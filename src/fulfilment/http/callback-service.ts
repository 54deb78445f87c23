import { createHash } from 'node:crypto';
import { AppError } from '../../http/app-error.ts';
import type { FulfilmentDeps } from '../fulfilment-deps.ts';
import { type CallbackResult, settleWaitingTask } from '../task-runner.ts';
import { httpSourceReceipt } from './http-connector.ts';
import { callbackBody } from './http-schemas.ts';
import { forgetSignature, recordSignature } from './seen-signatures-repo.ts';
import { SIGNATURE_TOLERANCE_SECONDS, type SignatureCheck, verifySignature } from './signature.ts';

export type CallbackDeps = {
  fulfilment: FulfilmentDeps;
  /** The shared secret of an http source by name; undefined for an unknown (or not http) source. */
  secretFor(source: string): string | undefined;
};

export type CallbackInput = {
  source: string;
  /** The Rightsdesk-Signature header as received. */
  signature: string | undefined;
  /** The body exactly as received: the signature covers these bytes, not a re-serialisation. */
  body: Buffer;
};

const signatureErrors: Record<Extract<SignatureCheck, { ok: false }>['problem'], () => AppError> = {
  missing: () => new AppError('SIGNATURE_MISSING', 'Sign the callback with the Rightsdesk-Signature header.'),
  malformed: () =>
    new AppError(
      'SIGNATURE_MALFORMED',
      'The Rightsdesk-Signature header must read t=<unix seconds>,v1=<hex>.',
    ),
  stale: () =>
    new AppError(
      'SIGNATURE_STALE',
      `The signature's timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS} seconds from our clock.`,
    ),
  mismatch: () =>
    new AppError(
      'SIGNATURE_INVALID',
      'The signature does not match the body (wrong secret or altered body).',
    ),
};

/** Throws 404 unless the source exists and takes callbacks; checked before its body is even read. */
export function callbackSecret(deps: Pick<CallbackDeps, 'secretFor'>, source: string): string {
  const secret = deps.secretFor(source);
  if (!secret) throw new AppError('NOT_FOUND', 'No data source takes callbacks at this address.');
  return secret;
}

/**
 * A source settles a task it answered 202 to. In order: known source (404), signature over the raw
 * body (401), replay (409), body shape (400), then the waiting task (409 when none waits).
 */
/**
 * Before a byte of the body is read: the header must be there, well formed and fresh, so a stranger
 * cannot make the server buffer 20 MB bodies with junk or old headers. (The match needs the body.)
 */
export function precheckCallback(deps: CallbackDeps, source: string, header: string | undefined): void {
  const secret = callbackSecret(deps, source);
  const check = verifySignature(secret, header, '', deps.fulfilment.now());
  if (!check.ok && check.problem !== 'mismatch') throw signatureErrors[check.problem]();
}

export async function receiveCallback(deps: CallbackDeps, input: CallbackInput): Promise<void> {
  const { db, now: clock } = deps.fulfilment;
  const secret = callbackSecret(deps, input.source);
  const now = clock();
  const text = input.body.toString('utf8');
  const check = verifySignature(secret, input.signature, text, now);
  if (!check.ok) throw signatureErrors[check.problem]();

  // The header itself is malleable (spacing, extra v1 values); the verified pair is not.
  const hash = createHash('sha256').update(`t=${check.timestamp},v1=${check.signature}`).digest('hex');
  // A signature passes the timestamp check for at most 2 × tolerance after it first arrives.
  const expiresAt = new Date(now.getTime() + 2 * SIGNATURE_TOLERANCE_SECONDS * 1000);
  if (!(await recordSignature(db, hash, expiresAt)))
    throw new AppError('SIGNATURE_REPLAYED', 'This signed callback was already received.');

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError('BAD_JSON', 'The body could not be parsed as JSON.');
  }
  const body = callbackBody.parse(json);
  const result: CallbackResult =
    body.status === 'done'
      ? {
          ok: true,
          receipt: httpSourceReceipt(input.source, body.action, body),
          ...(body.records ? { records: body.records } : {}),
        }
      : { ok: false, error: `${input.source} reported: ${body.error ?? 'failure (no reason given)'}` };

  let outcome: Awaited<ReturnType<typeof settleWaitingTask>>;
  try {
    outcome = await settleWaitingTask(deps.fulfilment, {
      source: input.source,
      reference: body.reference,
      action: body.action,
      result,
    });
  } catch (error) {
    // Nothing was settled on our side: let the source's retry of this very callback through.
    await forgetSignature(db, hash).catch(() => {});
    throw error;
  }
  if (outcome === 'not_waiting')
    throw new AppError('TASK_NOT_WAITING', 'No task of this source waits for that reference and action.');
}
