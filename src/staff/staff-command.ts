import type { Command } from 'commander';
import type { Db } from '../db/client.ts';
import { type StaffRole, staffRoles } from './permissions.ts';
import { addStaff, changeStaff } from './staff-service.ts';

export type OpenStaffDatabase = () => Promise<{ db: Db; secretKey: string; close(): Promise<void> }>;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline from `echo` or a here-string is not part of the password.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** `rightsdesk staff add|disable|enable|passwd`: passwords only ever through stdin, never argv. */
export function registerStaffCommand(program: Command, open: OpenStaffDatabase): void {
  const staff = program.command('staff').description('manage staff accounts (admin, dpo, support)');
  const run = async (work: (deps: { db: Db; secretKey: string; now: () => Date }) => Promise<string>) => {
    const database = await open();
    try {
      console.log(await work({ db: database.db, secretKey: database.secretKey, now: () => new Date() }));
    } finally {
      await database.close();
    }
  };

  staff
    .command('add')
    .description('create a staff account; the password is read from standard input')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--role <role>', `one of ${staffRoles.join(', ')}`)
    .requiredOption('--password-stdin', 'read the password from standard input')
    .action(async (options: { email: string; role: string }) => {
      if (!(staffRoles as readonly string[]).includes(options.role)) {
        throw new Error(`--role: must be one of ${staffRoles.join(', ')}`);
      }
      const password = await readStdin();
      await run(async (deps) => {
        const row = await addStaff(deps, {
          email: options.email,
          role: options.role as StaffRole,
          password,
          actor: 'cli',
        });
        return `staff account ${row.email} (${row.role}) created`;
      });
    });

  for (const action of ['disable', 'enable'] as const) {
    staff
      .command(action)
      .description(`${action} a staff account${action === 'disable' ? ' (ends its sessions)' : ''}`)
      .requiredOption('--email <email>', 'sign-in email')
      .action(async (options: { email: string }) =>
        run(async (deps) => {
          await changeStaff(deps, { email: options.email, action, actor: 'cli' });
          return `staff account ${options.email} ${action}d`;
        }),
      );
  }

  staff
    .command('passwd')
    .description('set a new password (read from standard input); ends the account’s sessions')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--password-stdin', 'read the password from standard input')
    .action(async (options: { email: string }) => {
      const password = await readStdin();
      await run(async (deps) => {
        await changeStaff(deps, { email: options.email, action: 'password', password, actor: 'cli' });
        return `password of ${options.email} changed`;
      });
    });
}
