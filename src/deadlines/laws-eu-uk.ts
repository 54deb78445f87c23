import {
  calendar,
  type LawEntries,
  noExtension,
  unverified,
  verified,
  WEEKENDS_AND_HOLIDAYS,
} from './laws-common.ts';
import { months, type RollRule, type TypeRule } from './rules.ts';

// The rules table's EU GDPR and UK GDPR entries (laws.ts explains the table's sources and conservatism).

const EU_ROLL: RollRule = {
  kind: 'next_working_day',
  over: WEEKENDS_AND_HOLIDAYS,
  basis: 'Reg. 1182/71 Art. 3(4)',
};
const UK_ROLL: RollRule = { kind: 'next_working_day', over: WEEKENDS_AND_HOLIDAYS, basis: 'ICO guidance' };
const MARKETING_OPT_OUT_NOTE =
  'objection to direct marketing is absolute (Art. 21(3)): stop at once; one month is only the outer cap';

function gdprRight(article: string): TypeRule {
  return {
    respond: { period: months(1), basis: `GDPR Art. 12(3), ${article}` },
    acknowledge: null,
    roll: EU_ROLL,
    extension: {
      kind: 'extend',
      candidates: [[months(3)], [months(1), months(2)]],
      basis: 'GDPR Art. 12(3): two further months, notice with reasons within the first month',
    },
    verification: verified('proportionate: extra ID only on reasonable doubt (Art. 12(6))'),
    notes: [
      'extension method unsettled in the EU: the earlier of receipt + 3 months and first-month end + 2 months is used (conservative)',
      'roll-forward applies Reg. 1182/71 by analogy; supervisory authorities may differ, so work to the safe due date',
    ],
  };
}

const gdprOptOut: TypeRule = {
  respond: { period: months(1), basis: 'GDPR Art. 12(3), Art. 21(3)' },
  acknowledge: null,
  roll: EU_ROLL,
  extension: noExtension('no extension for a marketing objection: it is processed at once'),
  verification: unverified('no identity check unless there is reasonable doubt (Art. 12(6))'),
  notes: [MARKETING_OPT_OUT_NOTE],
};

function ukRight(article: string): TypeRule {
  return {
    respond: { period: months(1), basis: `UK GDPR Art. 12(3), Art. 12A, ${article}` },
    acknowledge: null,
    roll: UK_ROLL,
    extension: {
      kind: 'extend',
      candidates: [[months(3)]],
      basis: 'UK GDPR Art. 12(3): two further months, counted by the ICO as three months from the start',
    },
    verification: verified('ID may be requested under Art. 12(6); the clock then starts on its receipt'),
    notes: [
      'Art. 12A "one month beginning with" may end a day before the ICO date used here (unsettled): aim to reply a day early',
    ],
  };
}

const ukOptOut: TypeRule = {
  ...gdprOptOut,
  respond: { period: months(1), basis: 'UK GDPR Art. 12(3), Art. 21(3)' },
  roll: UK_ROLL,
};

export const euUkLaws: LawEntries<'gdpr' | 'uk-gdpr'> = {
  gdpr: (s) => ({
    id: 'gdpr',
    name: 'EU GDPR',
    timeZone: s.orgTimeZone,
    timeZoneBasis: 'ORG_TIMEZONE, where the controller acts (Reg. 1182/71 Art. 2(1))',
    calendar: calendar(`Mon–Fri minus national public holidays of ${s.orgCountry} (ORG_COUNTRY)`, {
      country: s.orgCountry,
    }),
    clockStart: {
      from: 'received',
      basis:
        'the clock runs from receipt; the EDPB view that it may wait for ID is unsettled and not relied on (conservative)',
    },
    pause: { kind: 'none', why: 'GDPR has no settled stop-the-clock: the clock runs on (conservative)' },
    types: {
      access: gdprRight('Art. 15'),
      rectify: gdprRight('Art. 16'),
      erase: gdprRight('Art. 17'),
      opt_out: gdprOptOut,
    },
  }),
  'uk-gdpr': () => ({
    id: 'uk-gdpr',
    name: 'UK GDPR',
    timeZone: 'Europe/London',
    timeZoneBasis: 'UK time',
    calendar: calendar('Mon–Fri minus England & Wales bank holidays', { country: 'GB', region: 'ENG' }),
    clockStart: {
      from: 'id_received',
      basis: 'Art. 12A: the "relevant time" is when the requested ID arrives',
    },
    pause: {
      kind: 'stop_the_clock',
      basis: 'Art. 12A / DPA 2018 s.54(3C): days spent waiting for needed clarification do not count',
    },
    types: {
      access: ukRight('Art. 15'),
      rectify: ukRight('Art. 16'),
      erase: ukRight('Art. 17'),
      opt_out: ukOptOut,
    },
  }),
};
