import { calendar, type LawEntries, noExtension, unverified, verified } from './laws-common.ts';
import { businessDays, type CalendarRule, days, type RollRule, type TypeRule } from './rules.ts';
import type { CcpaBusinessDays } from './settings.ts';

// The rules table's California entries: CCPA/CPRA and CalOPPA (laws.ts explains the table's sources).

const CCPA_CALENDARS: Record<CcpaBusinessDays, CalendarRule> = {
  weekdays: calendar(
    'Mon–Fri, no holidays (CCPA_BUSINESS_DAYS=weekdays: "business day" is undefined, this is the earliest reading)',
    null,
  ),
  'us-federal': calendar('Mon–Fri minus US federal holidays (CCPA_BUSINESS_DAYS=us-federal)', {
    country: 'US',
  }),
  'us-ca': calendar('Mon–Fri minus California state holidays per date-holidays (CCPA_BUSINESS_DAYS=us-ca)', {
    country: 'US',
    region: 'CA',
  }),
};

const CCPA_NO_ROLL: RollRule = {
  kind: 'none',
  why: 'whether Civ. Code §§10–12a roll CCPA periods is untested: not rolled (conservative)',
};

const ccpaRight: TypeRule = {
  respond: { period: days(45), basis: '11 CCR §7021(b)' },
  acknowledge: { period: businessDays(10), basis: '11 CCR §7021(a)' },
  roll: CCPA_NO_ROLL,
  extension: {
    kind: 'extend',
    candidates: [[days(90)]],
    basis:
      'Civ. Code §1798.130(a)(2)(A), 11 CCR §7021(b): at most 90 days in total, notice within the first 45',
  },
  verification: verified('verifiable consumer request (11 CCR §7060–7062); the clock runs regardless'),
  notes: [
    '§7021(b) "begin on the day ... receives" may make the receipt day day 1: aim to reply a day early',
  ],
};

const ccpaOptOut: TypeRule = {
  respond: { period: businessDays(15), basis: '11 CCR §7026' },
  acknowledge: null,
  roll: CCPA_NO_ROLL,
  extension: noExtension('opt-outs have no extension (11 CCR §7026)'),
  verification: unverified('must not require a verifiable consumer request (11 CCR §7026(d))'),
  notes: ['honour "as soon as feasibly possible"; 15 business days is the outer limit'],
};

function caloppaType(responseDays: number, verification: TypeRule['verification']): TypeRule {
  return {
    respond: { period: days(responseDays), basis: 'privacy-policy commitment (CALOPPA_RESPONSE_DAYS)' },
    acknowledge: null,
    roll: { kind: 'none', why: 'policy days are not rolled' },
    extension: noExtension('CalOPPA has no extension'),
    verification,
    notes: ['CalOPPA sets no response deadline; the period is the one the privacy policy promises'],
  };
}

export const californiaLaws: LawEntries<'ccpa' | 'caloppa'> = {
  ccpa: (s) => ({
    id: 'ccpa',
    name: 'California CCPA/CPRA',
    timeZone: 'America/Los_Angeles',
    timeZoneBasis: 'California, the default where the business gives no other (pass --tz)',
    calendar: CCPA_CALENDARS[s.ccpaBusinessDays],
    clockStart: {
      from: 'received',
      basis: 'the clock runs from receipt regardless of verification (11 CCR §7021(b))',
    },
    pause: { kind: 'none', why: 'the CCPA clock never stops, whatever is awaited (11 CCR §7021(b))' },
    types: { access: ccpaRight, rectify: ccpaRight, erase: ccpaRight, opt_out: ccpaOptOut },
    optOutSignal: {
      basis:
        'Cal. Code Regs. tit. 11, §7025(b)-(c): an opt-out preference signal is a valid request to opt out of sale/sharing',
    },
  }),
  caloppa: (s) => ({
    id: 'caloppa',
    name: 'California CalOPPA',
    timeZone: 'America/Los_Angeles',
    timeZoneBasis: 'California, the default where the business gives no other (pass --tz)',
    calendar: calendar('Mon–Fri', null),
    clockStart: { from: 'received', basis: 'the clock runs from receipt' },
    pause: { kind: 'none', why: 'CalOPPA sets no deadline and no pause: the policy clock runs on' },
    types: {
      access: caloppaType(s.caloppaResponseDays, verified('per the process the privacy policy describes')),
      rectify: caloppaType(s.caloppaResponseDays, verified('per the process the privacy policy describes')),
      erase: caloppaType(s.caloppaResponseDays, verified('per the process the privacy policy describes')),
      opt_out: caloppaType(s.caloppaResponseDays, unverified('an opt-out needs no identity check')),
    },
  }),
};
