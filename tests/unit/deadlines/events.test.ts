import { describe, expect, it } from 'vitest';
import { DeadlineInputError } from '../../../src/deadlines/errors.ts';
import { type ClockEvent, checkExtension, clockFromEvents } from '../../../src/deadlines/events.ts';
import { defaultClockSettings } from '../../../src/deadlines/settings.ts';

const ev = (kind: ClockEvent['kind'], at: string): ClockEvent => ({ kind, at });
const clock = (law: string, type: string, events: ClockEvent[]) =>
  clockFromEvents(law, type, events, defaultClockSettings);

const ccpaReceived = ev('received', '2026-01-09T18:00:00Z');
const ukReceived = ev('received', '2026-03-31T09:00:00Z');

describe('clockFromEvents: baseline', () => {
  it('only a received event → the same dates as the deadline command, nothing extended or paused', () => {
    expect(clock('ccpa', 'access', [ccpaReceived])).toMatchObject({
      receivedOn: '2026-01-09',
      startOn: '2026-01-09',
      acknowledgeBy: '2026-01-23',
      dueBy: '2026-02-23',
      safeDueBy: '2026-02-23',
      extensionNoticeBy: '2026-02-23',
      extendedDueBy: '2026-04-09',
      extended: false,
      paused: false,
      pausedDays: 0,
    });
  });

  it('events given out of order → replayed in time order', () => {
    const events = [
      ev('extended', '2026-02-20T18:00:00Z'),
      ev('closed', '2026-03-01T18:00:00Z'),
      ccpaReceived,
    ];
    expect(clock('ccpa', 'access', events)).toMatchObject({ extended: true, dueBy: '2026-04-09' });
  });

  it('acknowledged after acknowledgeBy → explain says how late', () => {
    const state = clock('ccpa', 'access', [ccpaReceived, ev('acknowledged', '2026-01-26T18:00:00Z')]);
    expect(state.explain).toContain('acknowledged 2026-01-26 (3 day(s) after 2026-01-23)');
  });

  it('closed after the due date → explain says late, and later events are ignored', () => {
    const state = clock('ccpa', 'access', [
      ccpaReceived,
      ev('closed', '2026-02-25T18:00:00Z'),
      ev('extended', '2026-02-26T18:00:00Z'),
    ]);
    expect(state.extended).toBe(false);
    expect(state.explain).toContain('closed 2026-02-25 (2 day(s) after 2026-02-23)');
    expect(state.explain).toContain('1 event(s) after closing ignored');
  });
});

describe('clockFromEvents: extensions', () => {
  it('CCPA extended inside the first 45 days → extended, due and safe due become 2026-04-09', () => {
    const state = clock('ccpa', 'access', [ccpaReceived, ev('extended', '2026-02-20T18:00:00Z')]);
    expect(state).toMatchObject({
      extended: true,
      dueBy: '2026-04-09',
      safeDueBy: '2026-04-09',
      extensionNoticeBy: '2026-02-23',
      extendedDueBy: '2026-04-09',
    });
  });

  it('CCPA extended at 23:59 Los Angeles time on the notice day (already 02-24 in UTC) → still in time', () => {
    const state = clock('ccpa', 'access', [ccpaReceived, ev('extended', '2026-02-24T07:59:59Z')]);
    expect(state.extended).toBe(true);
  });

  it('CCPA extended at 00:00 Los Angeles time the day after the notice day → too late, due date unchanged', () => {
    const state = clock('ccpa', 'access', [ccpaReceived, ev('extended', '2026-02-24T08:00:00Z')]);
    expect(state).toMatchObject({ extended: false, dueBy: '2026-02-23' });
    expect(state.explain.join('\n')).toMatch(/extension on 2026-02-24 refused \(EXTENSION_TOO_LATE\)/);
  });

  it('extended twice → the first counts, the second is refused as ALREADY_EXTENDED', () => {
    const state = clock('ccpa', 'erase', [
      ccpaReceived,
      ev('extended', '2026-02-01T18:00:00Z'),
      ev('extended', '2026-02-10T18:00:00Z'),
    ]);
    expect(state).toMatchObject({ extended: true, dueBy: '2026-04-09' });
    expect(state.explain.join('\n')).toMatch(/extension on 2026-02-10 refused \(ALREADY_EXTENDED\)/);
  });

  it('CCPA opt-out extended → refused as EXTENSION_NOT_ALLOWED', () => {
    const state = clock('ccpa', 'opt_out', [ccpaReceived, ev('extended', '2026-01-12T18:00:00Z')]);
    expect(state.extended).toBe(false);
    expect(state.explain.join('\n')).toMatch(/refused \(EXTENSION_NOT_ALLOWED\)/);
  });

  it('Virginia TC13 extended → due Sat 2027-03-20 unrolled, safe due Fri 2027-03-19', () => {
    const state = clock('vcdpa', 'access', [
      ev('received', '2026-12-20T17:00:00Z'),
      ev('extended', '2027-01-15T17:00:00Z'),
    ]);
    expect(state).toMatchObject({ extended: true, dueBy: '2027-03-20', safeDueBy: '2027-03-19' });
  });
});

describe('clockFromEvents: pauses and clock start', () => {
  it('UK clarification 04-10 → 04-15 → 5 days added: due Tue 05-05, extended 07-05 (Sun) rolls to Mon 07-06', () => {
    const state = clock('uk-gdpr', 'access', [
      ukReceived,
      ev('paused', '2026-04-10T09:00:00Z'),
      ev('resumed', '2026-04-15T09:00:00Z'),
    ]);
    expect(state).toMatchObject({
      paused: false,
      pausedDays: 5,
      dueBy: '2026-05-05',
      safeDueBy: '2026-05-05',
      extensionNoticeBy: '2026-05-05',
      extendedDueBy: '2026-07-06',
    });
  });

  it('UK pause moves the extension-notice window → an extension on 05-05 is in time (it would be late unpaused)', () => {
    const paused = [ukReceived, ev('paused', '2026-04-10T09:00:00Z'), ev('resumed', '2026-04-15T09:00:00Z')];
    const extendedAt = ev('extended', '2026-05-05T12:00:00Z');
    expect(clock('uk-gdpr', 'access', [...paused, extendedAt])).toMatchObject({
      extended: true,
      dueBy: '2026-07-06',
      safeDueBy: '2026-07-03',
    });
    expect(clock('uk-gdpr', 'access', [ukReceived, extendedAt]).extended).toBe(false);
  });

  it('UK pause not yet resumed → paused, dates not yet moved, explain says they will', () => {
    const state = clock('uk-gdpr', 'access', [ukReceived, ev('paused', '2026-04-10T09:00:00Z')]);
    expect(state).toMatchObject({ paused: true, pausedDays: 0, dueBy: '2026-04-30' });
    expect(state.explain).toContain(
      'clock stopped since 2026-04-10: the dates move when the information arrives',
    );
  });

  it('UK pause and resume on the same day → no day added (conservative count)', () => {
    const state = clock('uk-gdpr', 'access', [
      ukReceived,
      ev('paused', '2026-04-10T08:00:00Z'),
      ev('resumed', '2026-04-10T16:00:00Z'),
    ]);
    expect(state).toMatchObject({ pausedDays: 0, dueBy: '2026-04-30' });
  });

  it('UK information requested after the due date → the clock does not stop', () => {
    const state = clock('uk-gdpr', 'access', [
      ukReceived,
      ev('paused', '2026-05-10T09:00:00Z'),
      ev('resumed', '2026-05-20T09:00:00Z'),
    ]);
    expect(state).toMatchObject({ paused: false, pausedDays: 0, dueBy: '2026-04-30' });
  });

  it('CCPA pause and resume → ignored: dates unchanged and explain says the clock runs on', () => {
    const state = clock('ccpa', 'access', [
      ccpaReceived,
      ev('paused', '2026-01-15T18:00:00Z'),
      ev('resumed', '2026-02-01T18:00:00Z'),
    ]);
    expect(state).toMatchObject({
      paused: false,
      pausedDays: 0,
      dueBy: '2026-02-23',
      safeDueBy: '2026-02-23',
    });
    expect(state.explain.join('\n')).toMatch(/information requested 2026-01-15: the clock does not stop/);
  });

  it('UK ID received 02-10 → the clock starts then: due Tue 03-10, extended Sun 05-10 rolls to Mon 05-11', () => {
    const state = clock('uk-gdpr', 'erase', [
      ev('received', '2026-01-31T10:00:00Z'),
      ev('id_received', '2026-02-10T10:00:00Z'),
    ]);
    expect(state).toMatchObject({
      receivedOn: '2026-01-31',
      startOn: '2026-02-10',
      dueBy: '2026-03-10',
      extendedDueBy: '2026-05-11',
    });
  });

  it('GDPR ID received → the clock still runs from receipt (conservative)', () => {
    const state = clock('gdpr', 'access', [
      ev('received', '2026-01-31T10:00:00Z'),
      ev('id_received', '2026-02-10T10:00:00Z'),
    ]);
    expect(state).toMatchObject({ startOn: '2026-01-31', dueBy: '2026-03-02' });
    expect(state.explain.join('\n')).toMatch(/ID received 2026-02-10: the clock still runs from receipt/);
  });
});

describe('clockFromEvents: bad input', () => {
  it.each([
    ['no received event', [ev('acknowledged', '2026-01-10T10:00:00Z')], 'events'],
    ['an instant without offset', [ccpaReceived, ev('closed', '2026-01-10T10:00:00')], 'events.1.at'],
    [
      'an unknown kind',
      [{ kind: 'reopened', at: '2026-01-10T10:00:00Z' } as unknown as ClockEvent],
      'events.0.kind',
    ],
  ])('%s → DeadlineInputError naming %s', (_name, events, field) => {
    expect(() => clock('ccpa', 'access', events)).toThrow(DeadlineInputError);
    try {
      clock('ccpa', 'access', events);
    } catch (error) {
      expect((error as DeadlineInputError).field).toBe(field);
    }
  });
});

describe('checkExtension', () => {
  const fresh = clock('ccpa', 'access', [ccpaReceived]);

  it('on the notice day → ok with the extended due date', () => {
    expect(checkExtension(fresh, '2026-02-23T20:00:00Z')).toEqual({ ok: true, extendedDueBy: '2026-04-09' });
  });

  it('the day after the notice day → EXTENSION_TOO_LATE naming the last day', () => {
    const result = checkExtension(fresh, '2026-02-24T20:00:00Z');
    expect(result).toMatchObject({ ok: false, code: 'EXTENSION_TOO_LATE' });
    expect(!result.ok && result.message).toMatch(/by 2026-02-23 \(America\/Los_Angeles\)/);
  });

  it('an extended clock → ALREADY_EXTENDED', () => {
    expect(checkExtension({ ...fresh, extended: true }, '2026-02-01T20:00:00Z')).toMatchObject({
      ok: false,
      code: 'ALREADY_EXTENDED',
    });
  });

  it('a law without extension (CalOPPA) → EXTENSION_NOT_ALLOWED', () => {
    const caloppa = clock('caloppa', 'access', [ccpaReceived]);
    expect(checkExtension(caloppa, '2026-01-10T20:00:00Z')).toMatchObject({
      ok: false,
      code: 'EXTENSION_NOT_ALLOWED',
    });
  });

  it('a bad instant → DeadlineInputError naming at', () => {
    expect(() => checkExtension(fresh, 'tomorrow')).toThrow(expect.objectContaining({ field: 'at' }));
  });
});
