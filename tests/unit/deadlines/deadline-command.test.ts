import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDeadlineCommand } from '../../../src/deadlines/deadline-command.ts';
import { type ClockSettings, defaultClockSettings } from '../../../src/deadlines/settings.ts';

const CONTRACT_KEYS = [
  'law',
  'type',
  'receivedAt',
  'receivedOn',
  'timeZone',
  'acknowledgeBy',
  'dueBy',
  'safeDueBy',
  'extensionNoticeBy',
  'extendedDueBy',
  'explain',
];

function run(args: string[], settings: ClockSettings = defaultClockSettings) {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('rightsdesk')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  let settingsRead = 0;
  registerDeadlineCommand(program, () => {
    settingsRead++;
    return settings;
  });
  let exitCode = 0;
  try {
    program.parse(['deadline', ...args], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    exitCode = error.exitCode;
  }
  return { exitCode, out: out.join(''), err: err.join(''), settingsRead };
}

const ccpa = ['--law', 'ccpa', '--type', 'access', '--received', '2026-01-09T18:00:00Z'];

describe('rightsdesk deadline (in process)', () => {
  it('valid CCPA request → one JSON line with the contract keys in order', () => {
    const { exitCode, out, err } = run(ccpa);
    expect(exitCode).toBe(0);
    expect(err).toBe('');
    expect(out.endsWith('\n')).toBe(true);
    expect(out.trimEnd().split('\n')).toHaveLength(1);
    const json = JSON.parse(out);
    expect(Object.keys(json)).toEqual(CONTRACT_KEYS);
    expect(json).toMatchObject({ law: 'ccpa', dueBy: '2026-02-23', extendedDueBy: '2026-04-09' });
  });

  it('--tz → the given zone is used', () => {
    const { out } = run([...ccpa, '--tz', 'America/New_York']);
    expect(JSON.parse(out).timeZone).toBe('America/New_York');
  });

  it('settings are read when the command runs → GDPR uses the supplied ORG_TIMEZONE', () => {
    const settings = { ...defaultClockSettings, orgTimeZone: 'Europe/Lisbon', orgCountry: 'PT' };
    const { out, settingsRead } = run(
      ['--law', 'gdpr', '--type', 'erase', '--received', '2026-01-09T18:00:00Z'],
      settings,
    );
    expect(settingsRead).toBe(1);
    expect(JSON.parse(out).timeZone).toBe('Europe/Lisbon');
  });

  it.each([
    ['unknown law', ['--law', 'hipaa', '--type', 'access', '--received', '2026-01-09T18:00:00Z'], '--law'],
    ['unknown type', ['--law', 'ccpa', '--type', 'delete', '--received', '2026-01-09T18:00:00Z'], '--type'],
    ['bad instant', ['--law', 'ccpa', '--type', 'access', '--received', '2026-13-09'], '--received'],
    ['bad tz', [...ccpa, '--tz', 'Nowhere/Town'], '--tz'],
    ['missing --law', ['--type', 'access', '--received', '2026-01-09T18:00:00Z'], '--law'],
  ])('%s → exit 2, nothing on stdout, one stderr line naming %s', (_name, args, option) => {
    const { exitCode, out, err } = run(args);
    expect(exitCode).toBe(2);
    expect(out).toBe('');
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err.startsWith(`error: ${option}: `)).toBe(true);
  });
});

describe('rightsdesk deadline (real process)', () => {
  const script = fileURLToPath(new URL('./fixtures/deadline-cli.ts', import.meta.url));
  const spawn = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', script, 'deadline', ...args], { encoding: 'utf8' });

  it('bad --law → process exits 2 with exactly one stderr line', () => {
    const result = spawn(['--law', 'nope', '--type', 'access', '--received', '2026-01-09T18:00:00Z']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^error: --law: unknown law "nope"/),
    ]);
  });

  it('valid input → exit 0 and the JSON on stdout', () => {
    const result = spawn(ccpa);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).acknowledgeBy).toBe('2026-01-23');
  });
});
