import type { Command } from 'commander';
import type { Db } from '../db/client.ts';
import { sealAuditChain, verifyAuditChain } from './audit-service.ts';

/** Exit code of `audit verify` when the chain does not verify; 1 stays for usage and runtime errors. */
// Issue 5: a broken chain is a failure like any other (exit 1), so monitors and scripts need no special case.
export const AUDIT_BROKEN_EXIT_CODE = 1;

export type OpenAuditDatabase = () => Promise<{ db: Db; close(): Promise<void> }>;

const REASON_TEXT = {
  hash_mismatch: 'hash mismatch',
  prev_hash_mismatch: 'previous hash mismatch',
  seq_gap: 'gap in the sequence (an event is missing)',
} as const;

/**
 * Adds `audit verify`, which seals what is waiting (unless a running server's sealer holds the
 * lock) and walks the whole audit chain. The full last hash is printed so an operator can record
 * it elsewhere: a later run whose chain still contains it proves nothing before it was rewritten.
 * Events still unsealed are counted: the check does not cover them.
 */
export function registerAuditCommand(program: Command, open: OpenAuditDatabase): void {
  const audit = program.command('audit').description('the hash-chained audit trail');
  audit
    .command('verify')
    .description(`check every audit event against the chain (exit ${AUDIT_BROKEN_EXIT_CODE} when broken)`)
    // A broken chain is a finding, not a usage mistake: no help text after it.
    .showHelpAfterError(false)
    .action(async function (this: Command) {
      const database = await open();
      let result: Awaited<ReturnType<typeof verifyAuditChain>>;
      try {
        await sealAuditChain(database.db);
        result = await verifyAuditChain(database.db);
      } finally {
        await database.close();
      }
      const write = this.configureOutput().writeOut ?? ((text: string) => process.stdout.write(text));
      if (result.unsealed > 0)
        write(`${result.unsealed} events not yet sealed (not covered by this check)\n`);
      if (!result.ok) {
        // After close: commander exits the process right here unless exitOverride is set.
        const { id, reason } = result.brokenAt;
        this.error(`audit chain BROKEN at event ${id}: ${REASON_TEXT[reason]}`, {
          exitCode: AUDIT_BROKEN_EXIT_CODE,
          code: 'rightsdesk.audit.broken',
        });
      }
      write(`audit chain ok: ${result.events} events, last hash ${result.lastHash}\n`);
    });
}
