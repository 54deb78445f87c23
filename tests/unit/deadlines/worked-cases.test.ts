import { describe, expect, it } from 'vitest';
import { computeDeadline } from '../../../src/deadlines/compute.ts';
import { type ClockSettings, defaultClockSettings } from '../../../src/deadlines/settings.ts';
import { german, withCcpa } from './settings.ts';

type Expected = {
  receivedOn: string;
  acknowledgeBy?: string | null;
  dueBy: string;
  safeDueBy: string;
  extendedDueBy: string | null;
};

interface Case {
  name: string;
  law: string;
  type: string;
  received: string;
  settings?: ClockSettings;
  expected: Expected;
}

// Research §3 worked cases. Instants are mid-day local time unless the case is about midnight.
const researchCases: Case[] = [
  {
    name: 'TC1 GDPR, German controller, Sat 2026-01-31 → due Mon 03-02 (roll), safe Fri 02-27',
    law: 'gdpr',
    type: 'access',
    received: '2026-01-31T10:00:00Z',
    settings: german,
    expected: {
      receivedOn: '2026-01-31',
      acknowledgeBy: null,
      dueBy: '2026-03-02',
      safeDueBy: '2026-02-27',
      extendedDueBy: '2026-04-28',
    },
  },
  {
    name: 'TC2 GDPR extended → 2026-04-28 (earlier of the two EU readings)',
    law: 'gdpr',
    type: 'erase',
    received: '2026-01-31T10:00:00Z',
    settings: german,
    expected: {
      receivedOn: '2026-01-31',
      dueBy: '2026-03-02',
      safeDueBy: '2026-02-27',
      extendedDueBy: '2026-04-28',
    },
  },
  {
    name: 'TC2 UK extended (ICO: 3 months from receipt) → 2026-04-30',
    law: 'uk-gdpr',
    type: 'access',
    received: '2026-01-31T10:00:00Z',
    expected: {
      receivedOn: '2026-01-31',
      dueBy: '2026-03-02',
      safeDueBy: '2026-02-27',
      extendedDueBy: '2026-04-30',
    },
  },
  {
    name: 'TC3 UK, Tue 2026-03-31 → Thu 2026-04-30 (April has no 31st)',
    law: 'uk-gdpr',
    type: 'rectify',
    received: '2026-03-31T09:00:00Z',
    expected: {
      receivedOn: '2026-03-31',
      dueBy: '2026-04-30',
      safeDueBy: '2026-04-30',
      extendedDueBy: '2026-06-30',
    },
  },
  {
    name: 'TC7 CCPA know, Fri 2026-01-09, Mon–Fri → ack 01-23, due 02-23, extended 04-09 (DESIGN example)',
    law: 'ccpa',
    type: 'access',
    received: '2026-01-09T18:00:00Z',
    expected: {
      receivedOn: '2026-01-09',
      acknowledgeBy: '2026-01-23',
      dueBy: '2026-02-23',
      safeDueBy: '2026-02-23',
      extendedDueBy: '2026-04-09',
    },
  },
  {
    name: 'TC7 CCPA delete with US federal holidays → ack moves past MLK Day to 01-26',
    law: 'ccpa',
    type: 'erase',
    received: '2026-01-09T18:00:00Z',
    settings: withCcpa('us-federal'),
    expected: {
      receivedOn: '2026-01-09',
      acknowledgeBy: '2026-01-26',
      dueBy: '2026-02-23',
      safeDueBy: '2026-02-23',
      extendedDueBy: '2026-04-09',
    },
  },
  {
    name: 'TC8 CCPA opt-out, Fri 2026-11-20, Mon–Fri → 15 business days is Fri 12-11',
    law: 'ccpa',
    type: 'opt_out',
    received: '2026-11-20T18:00:00Z',
    settings: withCcpa('weekdays'),
    expected: {
      receivedOn: '2026-11-20',
      acknowledgeBy: null,
      dueBy: '2026-12-11',
      safeDueBy: '2026-12-11',
      extendedDueBy: null,
    },
  },
  {
    name: 'TC8 CCPA opt-out, US federal (Thanksgiving off) → Mon 12-14',
    law: 'ccpa',
    type: 'opt_out',
    received: '2026-11-20T18:00:00Z',
    settings: withCcpa('us-federal'),
    expected: { receivedOn: '2026-11-20', dueBy: '2026-12-14', safeDueBy: '2026-12-14', extendedDueBy: null },
  },
  {
    name: 'TC8 CCPA opt-out, US-CA (Thanksgiving and the day after off) → Tue 12-15',
    law: 'ccpa',
    type: 'opt_out',
    received: '2026-11-20T18:00:00Z',
    settings: withCcpa('us-ca'),
    expected: { receivedOn: '2026-11-20', dueBy: '2026-12-15', safeDueBy: '2026-12-15', extendedDueBy: null },
  },
  {
    name: 'TC10 Texas, Wed 2026-03-18 → 45th day Sat 05-02 rolls to Mon 05-04, safe Fri 05-01, extended 06-16',
    law: 'tdpsa',
    type: 'access',
    received: '2026-03-18T15:00:00Z',
    expected: {
      receivedOn: '2026-03-18',
      dueBy: '2026-05-04',
      safeDueBy: '2026-05-01',
      extendedDueBy: '2026-06-16',
    },
  },
  {
    name: 'TC13 Virginia, Sun 2026-12-20 → Wed 2027-02-03, extended Sat 2027-03-20 (no roll)',
    law: 'vcdpa',
    type: 'erase',
    received: '2026-12-20T17:00:00Z',
    expected: {
      receivedOn: '2026-12-20',
      dueBy: '2027-02-03',
      safeDueBy: '2027-02-03',
      extendedDueBy: '2027-03-20',
    },
  },
  {
    name: 'TC14 PIPEDA, Mon 2026-06-01 → Canada Day rolls to Thu 07-02, safe Tue 06-30, extended Fri 07-31',
    law: 'pipeda',
    type: 'access',
    received: '2026-06-01T15:00:00Z',
    expected: {
      receivedOn: '2026-06-01',
      dueBy: '2026-07-02',
      safeDueBy: '2026-06-30',
      extendedDueBy: '2026-07-31',
    },
  },
  {
    name: 'TC17 GDPR leap year, 2028-01-31 → Tue 2028-02-29; extended Sat 04-29 rolls past Polish 1 May to Tue 05-02',
    law: 'gdpr',
    type: 'access',
    received: '2028-01-31T10:00:00Z',
    expected: {
      receivedOn: '2028-01-31',
      dueBy: '2028-02-29',
      safeDueBy: '2028-02-29',
      extendedDueBy: '2028-05-02',
    },
  },
  {
    name: 'TC17 UK leap year, 2028-01-31 → Tue 2028-02-29, extended 2028-04-30 (Sun) rolls to Tue 05-02 past the May bank holiday',
    law: 'uk-gdpr',
    type: 'access',
    received: '2028-01-31T10:00:00Z',
    expected: {
      receivedOn: '2028-01-31',
      dueBy: '2028-02-29',
      safeDueBy: '2028-02-29',
      extendedDueBy: '2028-05-02',
    },
  },
  {
    name: 'TC17 UK, 2027-11-30 + 3 months → extended Tue 2028-02-29',
    law: 'uk-gdpr',
    type: 'erase',
    received: '2027-11-30T10:00:00Z',
    expected: {
      receivedOn: '2027-11-30',
      dueBy: '2027-12-30',
      safeDueBy: '2027-12-30',
      extendedDueBy: '2028-02-29',
    },
  },
];

describe('research §3 worked cases', () => {
  it.each(researchCases)('$name', ({ law, type, received, settings, expected }) => {
    const result = computeDeadline({ law, type, received }, settings ?? defaultClockSettings);
    expect(result).toMatchObject(expected);
  });

  it('TC7 CCPA with the US-CA calendar → ack 01-26 (MLK Day is a California holiday too)', () => {
    const result = computeDeadline(
      { law: 'ccpa', type: 'access', received: '2026-01-09T18:00:00Z' },
      withCcpa('us-ca'),
    );
    expect(result.acknowledgeBy).toBe('2026-01-26');
  });

  it('DESIGN contract example → the exact JSON head, keys in contract order', () => {
    const result = computeDeadline({ law: 'ccpa', type: 'access', received: '2026-01-09T18:00:00Z' });
    expect(JSON.stringify({ ...result, explain: [] })).toBe(
      '{"law":"ccpa","type":"access","receivedAt":"2026-01-09T18:00:00.000Z","receivedOn":"2026-01-09",' +
        '"timeZone":"America/Los_Angeles","acknowledgeBy":"2026-01-23","dueBy":"2026-02-23",' +
        '"safeDueBy":"2026-02-23","extensionNoticeBy":"2026-02-23","extendedDueBy":"2026-04-09","explain":[]}',
    );
    expect(result.explain[0]).toBe('received 2026-01-09 (America/Los_Angeles)');
  });

  it('TC1 explain → names the clamp, the Saturday roll with its basis, and the safe date', () => {
    const { explain } = computeDeadline(
      { law: 'gdpr', type: 'access', received: '2026-01-31T10:00:00Z' },
      german,
    );
    expect(explain).toContain('1 month after 2026-01-31 is 2026-02-28 (end-of-month clamp)');
    expect(explain).toContain(
      '2026-02-28 is a Saturday: due date rolls to Monday 2026-03-02 (Reg. 1182/71 Art. 3(4))',
    );
    expect(explain).toContain('safe due date: Friday 2026-02-27, the last working day before 2026-02-28');
    expect(explain.join('\n')).toMatch(/unsettled.*conservative/);
  });

  it('TC13 Virginia explain → says the extended Saturday does not roll', () => {
    const { explain } = computeDeadline({ law: 'vcdpa', type: 'access', received: '2026-12-20T17:00:00Z' });
    expect(explain.join('\n')).toMatch(
      /2027-03-20 is a Saturday: .*not rolled; the extended due date stays 2027-03-20/,
    );
  });
});
