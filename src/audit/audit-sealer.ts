import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { computeAuditHash, GENESIS_HASH } from './audit-hash.ts';
import {
  type AuditSeal,
  findAuditChainTip,
  lockUnsealedAuditEvents,
  tryLockAuditChain,
  writeAuditSeals,
} from './audit-repo.ts';

export const DEFAULT_SEAL_BATCH_SIZE = 1000;
export const DEFAULT_SEAL_INTERVAL_MS = 1000;
/** 4 parameters a row in one statement: stays far below PostgreSQL's 65 535 bind parameters. */
const MAX_SEAL_BATCH_SIZE = 10_000;

export type SealOptions = { batchSize?: number };

/**
 * Seals every committed, unsealed audit event into the global chain: each gets the next seq and a
 * hash over its content and the previous event's hash. Works in batches, one transaction each, and
 * holds the chain's advisory lock in every batch, so the tip it reads cannot move under it; when
 * another process holds the lock it returns at once (that process is sealing).
 *
 * The chain order is seq, not id: an event whose transaction commits after a later-numbered event
 * was sealed simply gets the next seq when it becomes visible.
 */
export async function sealAuditChain(db: Db, options: SealOptions = {}): Promise<{ sealed: number }> {
  const batchSize = options.batchSize ?? DEFAULT_SEAL_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_SEAL_BATCH_SIZE) {
    throw new RangeError(`batchSize must be an integer from 1 to ${MAX_SEAL_BATCH_SIZE}`);
  }
  let sealed = 0;
  for (;;) {
    const inBatch = await sealBatch(db, batchSize);
    if (inBatch === undefined) break;
    sealed += inBatch;
    if (inBatch < batchSize) break;
  }
  return { sealed };
}

/** One batch; undefined when another transaction holds the sealing lock. */
async function sealBatch(db: Db, batchSize: number): Promise<number | undefined> {
  return db.transaction(async (tx) => {
    if (!(await tryLockAuditChain(tx))) return undefined;
    const tip = await findAuditChainTip(tx);
    let prevHash = tip?.hash ?? GENESIS_HASH;
    let seq = tip?.seq ?? 0;
    const rows = await lockUnsealedAuditEvents(tx, batchSize);
    const seals: AuditSeal[] = rows.map((row) => {
      const hash = computeAuditHash({ ...row, prevHash });
      const seal = { id: row.id, seq: ++seq, prevHash, hash };
      prevHash = hash;
      return seal;
    });
    await writeAuditSeals(tx, seals);
    return seals.length;
  });
}

export type AuditSealer = {
  /** Waits for a running seal, then seals once more (what was appended until now); idempotent. */
  stop(): Promise<void>;
};

/**
 * Seals the chain every `intervalMs` in the background. Runs never overlap (the next one is timed
 * from the end of the last); failures are logged and retried on the next tick, never thrown. The
 * timer does not keep the process alive on its own.
 */
export function startAuditSealer(
  db: Db,
  logger: Logger,
  options: { intervalMs?: number } & SealOptions = {},
): AuditSealer {
  const intervalMs = options.intervalMs ?? DEFAULT_SEAL_INTERVAL_MS;
  const sealOptions = options.batchSize === undefined ? {} : { batchSize: options.batchSize };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  const sealOnce = async (): Promise<void> => {
    try {
      const { sealed } = await sealAuditChain(db, sealOptions);
      if (sealed > 0) logger.debug({ sealed }, 'audit events sealed');
    } catch (error) {
      logger.error({ err: error }, 'audit sealing failed; retrying on the next tick');
    }
  };
  const schedule = () => {
    timer = setTimeout(() => {
      timer = undefined;
      running = sealOnce().finally(() => {
        running = undefined;
        if (!stopping) schedule();
      });
    }, intervalMs);
    timer.unref();
  };
  schedule();

  return {
    stop() {
      stopping ??= (async () => {
        if (timer) clearTimeout(timer);
        timer = undefined;
        await running;
        await sealOnce();
      })();
      return stopping;
    },
  };
}
