import { describe, expect, it } from 'vitest';
import { computeDeadline } from '../../../src/deadlines/compute.ts';
import { LAW_IDS, REQUEST_TYPES } from '../../../src/deadlines/rules.ts';
import { type ClockSettings, defaultClockSettings } from '../../../src/deadlines/settings.ts';
import { withCcpa } from './settings.ts';

interface Row {
  law: string;
  received: string;
  receivedOn: string;
  acknowledgeBy?: string | null;
  dueBy: string;
  safeDueBy: string;
  /** For access, rectify and erase; opt-outs are checked against `optOut`. */
  extendedDueBy: string | null;
  optOut: { dueBy: string; safeDueBy: string; extendedDueBy: string | null };
  /** Types without a statutory extension other than opt_out. */
  noExtension?: readonly string[];
}

// One row per law with default settings (PL / Europe/Warsaw, CCPA Mon–Fri, CalOPPA 30 days).
const rows: Row[] = [
  {
    law: 'gdpr',
    received: '2026-03-03T10:00:00Z',
    receivedOn: '2026-03-03',
    acknowledgeBy: null,
    dueBy: '2026-04-03',
    safeDueBy: '2026-04-03',
    extendedDueBy: '2026-06-03',
    optOut: { dueBy: '2026-04-03', safeDueBy: '2026-04-03', extendedDueBy: null },
  },
  {
    law: 'uk-gdpr',
    received: '2026-04-04T10:00:00Z',
    receivedOn: '2026-04-04',
    acknowledgeBy: null,
    dueBy: '2026-05-05',
    safeDueBy: '2026-05-01',
    extendedDueBy: '2026-07-06',
    optOut: { dueBy: '2026-05-05', safeDueBy: '2026-05-01', extendedDueBy: null },
  },
  {
    law: 'ccpa',
    received: '2026-10-12T17:00:00Z',
    receivedOn: '2026-10-12',
    acknowledgeBy: '2026-10-26',
    dueBy: '2026-11-26',
    safeDueBy: '2026-11-26',
    extendedDueBy: '2027-01-10',
    optOut: { dueBy: '2026-11-02', safeDueBy: '2026-11-02', extendedDueBy: null },
  },
  {
    law: 'caloppa',
    received: '2026-01-09T18:00:00Z',
    receivedOn: '2026-01-09',
    acknowledgeBy: null,
    dueBy: '2026-02-08',
    safeDueBy: '2026-02-06',
    extendedDueBy: null,
    optOut: { dueBy: '2026-02-08', safeDueBy: '2026-02-06', extendedDueBy: null },
  },
  {
    law: 'vcdpa',
    received: '2026-12-20T17:00:00Z',
    receivedOn: '2026-12-20',
    dueBy: '2027-02-03',
    safeDueBy: '2027-02-03',
    extendedDueBy: '2027-03-20',
    optOut: { dueBy: '2027-02-03', safeDueBy: '2027-02-03', extendedDueBy: null },
  },
  {
    law: 'cpa',
    received: '2026-01-01T19:00:00Z',
    receivedOn: '2026-01-01',
    dueBy: '2026-02-17',
    safeDueBy: '2026-02-13',
    extendedDueBy: '2026-04-01',
    optOut: { dueBy: '2026-02-17', safeDueBy: '2026-02-13', extendedDueBy: null },
  },
  {
    law: 'ctdpa',
    received: '2026-03-18T15:00:00Z',
    receivedOn: '2026-03-18',
    dueBy: '2026-05-02',
    safeDueBy: '2026-05-01',
    extendedDueBy: '2026-06-16',
    optOut: { dueBy: '2026-05-02', safeDueBy: '2026-05-01', extendedDueBy: null },
  },
  {
    law: 'ucpa',
    received: '2026-07-01T18:00:00Z',
    receivedOn: '2026-07-01',
    dueBy: '2026-08-15',
    safeDueBy: '2026-08-14',
    extendedDueBy: '2026-09-29',
    optOut: { dueBy: '2026-08-15', safeDueBy: '2026-08-14', extendedDueBy: null },
  },
  {
    law: 'tdpsa',
    received: '2026-03-18T15:00:00Z',
    receivedOn: '2026-03-18',
    dueBy: '2026-05-04',
    safeDueBy: '2026-05-01',
    extendedDueBy: '2026-06-16',
    optOut: { dueBy: '2026-05-04', safeDueBy: '2026-05-01', extendedDueBy: null },
  },
  {
    law: 'ocpa',
    received: '2026-02-01T20:00:00Z',
    receivedOn: '2026-02-01',
    dueBy: '2026-03-18',
    safeDueBy: '2026-03-18',
    extendedDueBy: '2026-05-02',
    optOut: { dueBy: '2026-03-18', safeDueBy: '2026-03-18', extendedDueBy: null },
  },
  {
    law: 'mcdpa',
    received: '2026-05-10T18:00:00Z',
    receivedOn: '2026-05-10',
    dueBy: '2026-06-24',
    safeDueBy: '2026-06-24',
    extendedDueBy: '2026-08-08',
    optOut: { dueBy: '2026-06-24', safeDueBy: '2026-06-24', extendedDueBy: null },
  },
  {
    law: 'lgpd',
    received: '2026-04-06T15:00:00Z',
    receivedOn: '2026-04-06',
    dueBy: '2026-04-22',
    safeDueBy: '2026-04-20',
    extendedDueBy: null,
    optOut: { dueBy: '2026-04-22', safeDueBy: '2026-04-20', extendedDueBy: null },
  },
  {
    law: 'pipeda',
    received: '2026-06-01T15:00:00Z',
    receivedOn: '2026-06-01',
    dueBy: '2026-07-02',
    safeDueBy: '2026-06-30',
    extendedDueBy: '2026-07-31',
    optOut: { dueBy: '2026-07-02', safeDueBy: '2026-06-30', extendedDueBy: null },
    noExtension: ['erase'],
  },
  {
    law: 'fadp',
    received: '2026-07-02T10:00:00Z',
    receivedOn: '2026-07-02',
    dueBy: '2026-08-03',
    safeDueBy: '2026-07-31',
    extendedDueBy: null,
    optOut: { dueBy: '2026-08-03', safeDueBy: '2026-07-31', extendedDueBy: null },
  },
];

const cases = rows.flatMap((row) =>
  REQUEST_TYPES.map((type) => {
    const base = type === 'opt_out' ? row.optOut : row;
    const extendedDueBy = row.noExtension?.includes(type) ? null : base.extendedDueBy;
    const expected = {
      receivedOn: row.receivedOn,
      dueBy: base.dueBy,
      safeDueBy: base.safeDueBy,
      extendedDueBy,
      extensionNoticeBy: extendedDueBy === null ? null : base.dueBy,
      ...(type !== 'opt_out' && row.acknowledgeBy !== undefined ? { acknowledgeBy: row.acknowledgeBy } : {}),
    };
    return { law: row.law, type, received: row.received, expected };
  }),
);

describe('every law and type', () => {
  it('the table covers every law', () => {
    expect(rows.map((r) => r.law).sort()).toEqual([...LAW_IDS].sort());
  });

  it.each(cases)(
    '$law $type received $received → due $expected.dueBy',
    ({ law, type, received, expected }) => {
      expect(computeDeadline({ law, type, received })).toMatchObject(expected);
    },
  );

  it.each(LAW_IDS)('%s opt_out → no acknowledgement and no extension', (law) => {
    const result = computeDeadline({ law, type: 'opt_out', received: '2026-05-05T12:00:00Z' });
    expect(result.acknowledgeBy).toBeNull();
    expect(result.extensionNoticeBy).toBeNull();
    expect(result.extendedDueBy).toBeNull();
  });
});

const at = (law: string, type: string, received: string, settings: ClockSettings = defaultClockSettings) =>
  computeDeadline({ law, type, received }, settings);

describe('month ends and leap years', () => {
  it.each([
    ['gdpr', '2026-12-31T10:00:00Z', '2027-02-01', '2027-01-29'],
    ['uk-gdpr', '2026-08-31T10:00:00Z', '2026-09-30', '2026-09-30'],
    ['uk-gdpr', '2027-01-30T10:00:00Z', '2027-03-01', '2027-02-26'],
    ['uk-gdpr', '2028-01-29T10:00:00Z', '2028-02-29', '2028-02-29'],
    ['uk-gdpr', '2028-02-29T10:00:00Z', '2028-03-29', '2028-03-29'],
    ['gdpr', '2027-01-31T10:00:00Z', '2027-03-01', '2027-02-26'],
  ])('%s received %s → due %s, safe %s', (law, received, dueBy, safeDueBy) => {
    expect(at(law, 'access', received)).toMatchObject({ dueBy, safeDueBy });
  });

  it('GDPR 2027-11-30 → extension by either reading lands on leap day 2028-02-29', () => {
    expect(at('gdpr', 'access', '2027-11-30T10:00:00Z').extendedDueBy).toBe('2028-02-29');
  });

  it('CCPA 45 days across a leap February: 2028-01-20 → 2028-03-05 (Sun, not rolled)', () => {
    expect(at('ccpa', 'access', '2028-01-20T20:00:00Z')).toMatchObject({
      dueBy: '2028-03-05',
      safeDueBy: '2028-03-03',
    });
  });
});

describe('holidays on the due date', () => {
  it('GDPR Poland: due on Independence Day 2026-11-11 → rolls to Thu 11-12, safe Tue 11-10', () => {
    expect(at('gdpr', 'access', '2026-10-11T10:00:00Z')).toMatchObject({
      dueBy: '2026-11-12',
      safeDueBy: '2026-11-10',
    });
  });

  it('GDPR Poland: due on Christmas Eve 2026 → rolls over Christmas and the weekend to Mon 12-28, safe Wed 12-23', () => {
    const result = at('gdpr', 'access', '2026-11-24T10:00:00Z');
    expect(result).toMatchObject({ dueBy: '2026-12-28', safeDueBy: '2026-12-23' });
    expect(result.explain).toContain(
      '2026-12-24 is a public holiday (Christmas Eve): due date rolls to Monday 2026-12-28 (Reg. 1182/71 Art. 3(4))',
    );
  });

  it('UK: due on Easter Monday 2026-04-06 → rolls to Tue 04-07, safe Thu 04-02 (before Good Friday)', () => {
    expect(at('uk-gdpr', 'access', '2026-03-06T10:00:00Z')).toMatchObject({
      dueBy: '2026-04-07',
      safeDueBy: '2026-04-02',
    });
  });

  it('CCPA with US-CA holidays: due on Thanksgiving → not rolled, safe the Wednesday before', () => {
    const result = at('ccpa', 'access', '2026-10-12T17:00:00Z', withCcpa('us-ca'));
    expect(result).toMatchObject({ dueBy: '2026-11-26', safeDueBy: '2026-11-25' });
  });

  it('CCPA Mon–Fri: the same Thanksgiving due date is a working day → safe equals due', () => {
    expect(at('ccpa', 'access', '2026-10-12T17:00:00Z')).toMatchObject({
      dueBy: '2026-11-26',
      safeDueBy: '2026-11-26',
    });
  });

  it('PIPEDA: due on a Saturday → not rolled (Saturdays are not holidays), safe Friday', () => {
    expect(at('pipeda', 'access', '2026-06-04T15:00:00Z')).toMatchObject({
      dueBy: '2026-07-04',
      safeDueBy: '2026-07-03',
    });
  });

  it('PIPEDA: due on a Sunday → rolls to Monday', () => {
    expect(at('pipeda', 'access', '2026-06-05T15:00:00Z')).toMatchObject({
      dueBy: '2026-07-06',
      safeDueBy: '2026-07-03',
    });
  });

  it('LGPD: due on a Saturday → not rolled (conservative), safe Friday', () => {
    expect(at('lgpd', 'access', '2026-04-03T15:00:00Z')).toMatchObject({
      dueBy: '2026-04-18',
      safeDueBy: '2026-04-17',
    });
  });
});

describe('receipt near midnight and on DST-switch days', () => {
  it('CCPA 2026-01-09T07:30Z is Thu 2026-01-08 in Los Angeles → ack 01-22, due Sun 02-22 unrolled, safe Fri 02-20', () => {
    const result = at('ccpa', 'access', '2026-01-09T07:30:00Z');
    expect(result).toMatchObject({
      receivedOn: '2026-01-08',
      acknowledgeBy: '2026-01-22',
      dueBy: '2026-02-22',
      safeDueBy: '2026-02-20',
      extendedDueBy: '2026-04-08',
    });
    expect(result.explain).toContain(
      '2026-01-09T07:30:00.000Z is 2026-01-09 in UTC, but the local date counts',
    );
  });

  it('GDPR 2026-01-30T23:30Z is already 2026-01-31 in Warsaw → due Mon 03-02', () => {
    expect(at('gdpr', 'access', '2026-01-30T23:30:00Z')).toMatchObject({
      receivedOn: '2026-01-31',
      dueBy: '2026-03-02',
    });
  });

  it('--tz UTC overrides Los Angeles → the UTC date counts', () => {
    const result = computeDeadline({
      law: 'ccpa',
      type: 'access',
      received: '2026-01-09T07:30:00Z',
      tz: 'UTC',
    });
    expect(result).toMatchObject({ timeZone: 'UTC', receivedOn: '2026-01-09', dueBy: '2026-02-23' });
  });

  it('an offset instant is normalised to UTC in receivedAt', () => {
    const result = at('ccpa', 'access', '2026-01-09T10:00:00-08:00');
    expect(result).toMatchObject({ receivedAt: '2026-01-09T18:00:00.000Z', receivedOn: '2026-01-09' });
  });

  it.each([
    ['gdpr', '2026-03-29T21:30:00Z', '2026-03-29', '2026-04-29'],
    ['gdpr', '2026-03-29T22:30:00Z', '2026-03-30', '2026-04-30'],
    ['gdpr', '2026-10-25T22:30:00Z', '2026-10-25', '2026-11-25'],
    ['uk-gdpr', '2026-03-29T22:30:00Z', '2026-03-29', '2026-04-29'],
    ['uk-gdpr', '2026-03-29T23:30:00Z', '2026-03-30', '2026-04-30'],
    ['uk-gdpr', '2026-10-25T23:30:00Z', '2026-10-25', '2026-11-25'],
    ['ccpa', '2026-03-09T06:30:00Z', '2026-03-08', '2026-04-22'],
    ['ccpa', '2026-11-02T07:30:00Z', '2026-11-01', '2026-12-16'],
    ['caloppa', '2026-03-09T06:30:00Z', '2026-03-08', '2026-04-07'],
    ['ocpa', '2026-03-09T06:30:00Z', '2026-03-08', '2026-04-22'],
    ['vcdpa', '2026-03-09T03:30:00Z', '2026-03-08', '2026-04-22'],
    ['vcdpa', '2026-11-02T04:30:00Z', '2026-11-01', '2026-12-16'],
    ['ctdpa', '2026-03-09T03:30:00Z', '2026-03-08', '2026-04-22'],
    ['tdpsa', '2026-03-09T04:30:00Z', '2026-03-08', '2026-04-22'],
    ['cpa', '2026-03-09T05:30:00Z', '2026-03-08', '2026-04-22'],
    ['ucpa', '2026-03-09T05:30:00Z', '2026-03-08', '2026-04-22'],
    ['mcdpa', '2026-11-02T06:30:00Z', '2026-11-01', '2026-12-16'],
    ['pipeda', '2026-03-09T03:30:00Z', '2026-03-08', '2026-04-07'],
    ['fadp', '2026-03-29T21:30:00Z', '2026-03-29', '2026-04-28'],
    ['lgpd', '2026-01-10T02:30:00Z', '2026-01-09', '2026-01-24'],
  ])('%s received %s → local date %s, due %s', (law, received, receivedOn, dueBy) => {
    expect(at(law, 'access', received)).toMatchObject({ receivedOn, dueBy });
  });
});

describe('settings', () => {
  it('CALOPPA_RESPONSE_DAYS 45 → CalOPPA due 45 days after receipt', () => {
    const result = at('caloppa', 'access', '2026-01-09T18:00:00Z', {
      ...defaultClockSettings,
      caloppaResponseDays: 45,
    });
    expect(result.dueBy).toBe('2026-02-23');
  });

  it('ORG_TIMEZONE America/New_York → GDPR counts the New York date', () => {
    const result = at('gdpr', 'access', '2026-01-31T03:00:00Z', {
      ...defaultClockSettings,
      orgTimeZone: 'America/New_York',
    });
    expect(result).toMatchObject({
      timeZone: 'America/New_York',
      receivedOn: '2026-01-30',
      dueBy: '2026-03-02',
    });
  });

  it('ORG_COUNTRY IE → Irish holidays: due on St Patrick’s Day 2026 rolls to Wed 03-18', () => {
    const result = at('gdpr', 'access', '2026-02-17T12:00:00Z', {
      ...defaultClockSettings,
      orgCountry: 'IE',
      orgTimeZone: 'Europe/Dublin',
    });
    expect(result).toMatchObject({ dueBy: '2026-03-18', safeDueBy: '2026-03-16' });
  });

  it('GDPR marketing objection explain → says it is processed at once', () => {
    expect(at('gdpr', 'opt_out', '2026-03-03T10:00:00Z').explain.join('\n')).toMatch(
      /Art\. 21\(3\)\): stop at once/,
    );
  });
});
