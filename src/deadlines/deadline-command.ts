import type { Command } from 'commander';
import { computeDeadline } from './compute.ts';
import { DeadlineInputError } from './errors.ts';
import { LAW_IDS, REQUEST_TYPES } from './rules.ts';
import type { ClockSettings } from './settings.ts';

export { computeDeadline, type DeadlineInput, type DeadlineResult } from './compute.ts';
export { DeadlineInputError } from './errors.ts';

/** Exit code for bad input, distinct from commander's own usage errors (1). */
export const DEADLINE_INPUT_EXIT_CODE = 2;

const OPTION_OF: Record<string, string> = {
  law: '--law',
  type: '--type',
  received: '--received',
  tz: '--tz',
};

interface DeadlineOptions {
  law?: string;
  type?: string;
  received?: string;
  tz?: string;
}

/**
 * Adds `deadline --law LAW --type TYPE --received ISO_INSTANT [--tz IANA]`, which prints the legal
 * clock contract as one JSON line. Pure computation: it never opens the database.
 */
export function registerDeadlineCommand(program: Command, settings: () => ClockSettings): void {
  program
    .command('deadline')
    .description('print the legal deadlines of a request as JSON (no database needed)')
    // Options are optional to commander so that a missing one gets the same exit code and message style as a bad one.
    .option('--law <law>', `law: ${LAW_IDS.join(', ')}`)
    .option('--type <type>', `request type: ${REQUEST_TYPES.join(', ')}`)
    .option('--received <instant>', 'when the request was received, ISO 8601 with Z or offset')
    .option('--tz <iana>', "time zone overriding the law's default")
    // The contract promises exactly one stderr line for bad input.
    .showHelpAfterError(false)
    .action(function (this: Command, options: DeadlineOptions) {
      try {
        const result = computeDeadline(
          { law: options.law, type: options.type, received: options.received, tz: options.tz },
          settings(),
        );
        const write = this.configureOutput().writeOut ?? ((text: string) => process.stdout.write(text));
        write(`${JSON.stringify(result)}\n`);
      } catch (error) {
        if (!(error instanceof DeadlineInputError)) throw error;
        const field = error.field.split('.')[0] ?? error.field;
        const option = OPTION_OF[field] ?? error.field;
        this.error(`error: ${option}: ${error.message}`, {
          exitCode: DEADLINE_INPUT_EXIT_CODE,
          code: 'rightsdesk.deadline.input',
        });
      }
    });
}
