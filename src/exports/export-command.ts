import type { Command } from 'commander';
import { formatReport, UnreadableBundleError, verifyBundle } from './export-verify.ts';

/** Exit codes of `export verify`: the bundle matches, it does not, or the file is not a readable ZIP. */
export const VERIFY_EXIT = { ok: 0, mismatch: 1, unreadable: 2 } as const;

/**
 * Adds `export verify FILE.zip [--json] [--sha256 HEX]`. It needs neither the database nor the
 * configuration: a subject, an auditor or a support engineer can run it on any copy of a bundle.
 */
export function registerExportCommand(program: Command): void {
  const exportCommand = program.command('export').description('data-export bundles');
  exportCommand
    .command('verify')
    .description(
      `check a bundle (the ZIP a subject downloads) against its manifest.json: exit ${VERIFY_EXIT.ok} when every file matches, ${VERIFY_EXIT.mismatch} when not, ${VERIFY_EXIT.unreadable} when the file is not a readable ZIP`,
    )
    .argument('<file>', 'the bundle ZIP')
    .option('--json', 'print the report as JSON')
    .option('--sha256 <hex>', 'also check the SHA-256 of the whole ZIP (as recorded when it was built)')
    .showHelpAfterError(false)
    .action(async function (this: Command, file: string, options: { json?: boolean; sha256?: string }) {
      const write = (text: string) => process.stdout.write(text);
      if (options.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(options.sha256)) {
        this.error('--sha256 must be 64 hexadecimal characters', { exitCode: VERIFY_EXIT.unreadable });
      }
      try {
        const report = await verifyBundle(file, options.sha256 ? { expectedSha256: options.sha256 } : {});
        write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
        process.exitCode = report.ok ? VERIFY_EXIT.ok : VERIFY_EXIT.mismatch;
      } catch (error) {
        if (!(error instanceof UnreadableBundleError)) throw error;
        if (options.json) write(`${JSON.stringify({ ok: false, file, error: error.message }, null, 2)}\n`);
        else process.stderr.write(`rightsdesk: ${error.message}\n`);
        process.exitCode = VERIFY_EXIT.unreadable;
      }
    });
}
