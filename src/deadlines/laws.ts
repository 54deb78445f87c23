import type { DayOffKind } from './calendar.ts';
import type { HolidaySource } from './holidays.ts';
import {
  businessDays,
  type CalendarRule,
  days,
  type ExtensionRule,
  type LawId,
  type LawRule,
  months,
  type RollRule,
  type TypeRule,
} from './rules.ts';
import type { CcpaBusinessDays, ClockSettings } from './settings.ts';

// The rules table. Sources and confidence: /work/shared/research/legal-deadlines.md §1–§2.
// Where the research marks a rule unsettled, the entry takes the reading that gives the earlier date
// and says so in a note, which ends up in `explain`.

const WEEKENDS_AND_HOLIDAYS: readonly DayOffKind[] = ['saturday', 'sunday', 'holiday'];
const SUNDAYS_AND_HOLIDAYS: readonly DayOffKind[] = ['sunday', 'holiday'];

const calendar = (label: string, holidays: HolidaySource | null): CalendarRule => ({ label, holidays });
const noExtension = (why: string): ExtensionRule => ({ kind: 'none', why });
const verified = (basis: string) => ({ needed: true, basis });
const unverified = (basis: string) => ({ needed: false, basis });

// --- EU and UK ---------------------------------------------------------------------------------

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

// --- California ---------------------------------------------------------------------------------

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

// --- Other US states (45 days, one 45-day extension with notice inside the first 45) ------------

interface UsStateEntry {
  id: LawId;
  name: string;
  state: string;
  timeZone: string;
  basis: string;
  roll: RollRule;
  optOutVerification: string;
  notes?: Partial<Record<keyof LawRule['types'], readonly string[]>>;
}

const NO_ROLL_FOUND = (cite: string): RollRule => ({
  kind: 'none',
  why: `no roll-forward rule found for private controllers (${cite}): not rolled (conservative)`,
});

function usState(entry: UsStateEntry): LawRule {
  const right = (notes: readonly string[] = []): TypeRule => ({
    respond: { period: days(45), basis: entry.basis },
    acknowledge: null,
    roll: entry.roll,
    extension: {
      kind: 'extend',
      candidates: [[days(90)]],
      basis: `${entry.basis}: once, 45 more days, notice with reasons within the first 45`,
    },
    verification: verified('commercially reasonable authentication; the 45 days run meanwhile'),
    notes,
  });
  return {
    id: entry.id,
    name: entry.name,
    timeZone: entry.timeZone,
    timeZoneBasis: `the main time zone of ${entry.state} (pass --tz for the business's own)`,
    calendar: calendar(`Mon–Fri minus ${entry.state} public holidays (date-holidays US-${entry.state})`, {
      country: 'US',
      region: entry.state,
    }),
    clockStart: { from: 'received', basis: 'the clock runs from receipt' },
    pause: { kind: 'none', why: 'no pause in the statute: the clock runs on while waiting (conservative)' },
    types: {
      access: right(entry.notes?.access),
      rectify: right(entry.notes?.rectify),
      erase: right(entry.notes?.erase),
      opt_out: {
        ...right(entry.notes?.opt_out),
        extension: noExtension(
          'opt-outs are honoured at once: the statutory extension is not used for them (conservative)',
        ),
        verification: unverified(entry.optOutVerification),
      },
    },
  };
}

// --- The table ------------------------------------------------------------------------------------

const LAWS: Readonly<Record<LawId, (settings: ClockSettings) => LawRule>> = {
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
  vcdpa: () =>
    usState({
      id: 'vcdpa',
      name: 'Virginia VCDPA',
      state: 'VA',
      timeZone: 'America/New_York',
      basis: 'Va. Code §59.1-577(B)',
      roll: { kind: 'none', why: 'Va. Code §1-210 does not reach private controllers: not rolled' },
      optOutVerification: 'the text has no opt-out carve-out; authentication is allowed, not required',
    }),
  cpa: () =>
    usState({
      id: 'cpa',
      name: 'Colorado CPA',
      state: 'CO',
      timeZone: 'America/Denver',
      basis: 'C.R.S. §6-1-1306',
      roll: { kind: 'next_working_day', over: WEEKENDS_AND_HOLIDAYS, basis: 'C.R.S. §2-4-108(2)' },
      optOutVerification: 'opt-outs are outside the authentication clause (4 CCR 904-3 Rule 4.03)',
      notes: { opt_out: ['honour "as soon as feasibly possible and without undue delay" (Rule 4.03(A)(1))'] },
    }),
  ctdpa: () =>
    usState({
      id: 'ctdpa',
      name: 'Connecticut CTDPA',
      state: 'CT',
      timeZone: 'America/New_York',
      basis: 'Conn. Gen. Stat. §42-518',
      roll: NO_ROLL_FOUND('Connecticut'),
      optOutVerification: 'a controller "shall not be required to authenticate an opt-out request" (§42-518)',
    }),
  ucpa: () =>
    usState({
      id: 'ucpa',
      name: 'Utah UCPA',
      state: 'UT',
      timeZone: 'America/Denver',
      basis: 'Utah Code §13-61-203',
      roll: NO_ROLL_FOUND('Utah'),
      optOutVerification: 'no opt-out carve-out; authentication is allowed, not required',
      notes: {
        rectify: [
          'the right to correct is reported as added from 1 July 2026 (HB 418): the 45 days are applied anyway',
        ],
        erase: ['Utah deletion covers data the consumer provided'],
        access: ['the fraud exception (45 days "do not apply") is not relied on (conservative)'],
      },
    }),
  tdpsa: () =>
    usState({
      id: 'tdpsa',
      name: 'Texas TDPSA',
      state: 'TX',
      timeZone: 'America/Chicago',
      basis: 'Tex. Bus. & Com. Code §541.052',
      roll: { kind: 'next_working_day', over: WEEKENDS_AND_HOLIDAYS, basis: 'Tex. Gov’t Code §311.014(b)' },
      optOutVerification: 'no opt-out carve-out; authentication is allowed, not required',
    }),
  ocpa: () =>
    usState({
      id: 'ocpa',
      name: 'Oregon OCPA',
      state: 'OR',
      timeZone: 'America/Los_Angeles',
      basis: 'ORS 646A.576',
      roll: NO_ROLL_FOUND('Oregon'),
      optOutVerification: 'comply "without requiring authentication" (ORS 646A.576(5)(e))',
    }),
  mcdpa: () =>
    usState({
      id: 'mcdpa',
      name: 'Montana MCDPA',
      state: 'MT',
      timeZone: 'America/Denver',
      basis: 'MCA §30-14-2808',
      roll: NO_ROLL_FOUND('Montana'),
      optOutVerification: 'opt-outs need no authentication (MCA §30-14-2808)',
    }),
  lgpd: () => {
    const lgpdRoll: RollRule = {
      kind: 'next_working_day',
      over: SUNDAYS_AND_HOLIDAYS,
      basis: 'Civil Code art. 132 §1; Saturdays are not treated as holidays (conservative)',
    };
    const other = (what: string): TypeRule => ({
      respond: { period: days(15), basis: `LGPD Art. 18 (${what})` },
      acknowledge: null,
      roll: lgpdRoll,
      extension: noExtension('the LGPD has no extension'),
      verification: verified(
        'rights are exercised by the data subject or a legal representative (Art. 18 §3)',
      ),
      notes: [
        'no statutory deadline for this right and no ANPD regulation found: the 15 days of Art. 19 apply (conservative)',
      ],
    });
    return {
      id: 'lgpd',
      name: 'Brazil LGPD',
      timeZone: 'America/Sao_Paulo',
      timeZoneBasis: 'Brasília time (pass --tz for the controller’s own)',
      calendar: calendar('Mon–Fri minus Brazilian national public holidays', { country: 'BR' }),
      clockStart: { from: 'received', basis: 'counted from the date of the request (Art. 19(II))' },
      pause: { kind: 'none', why: 'the LGPD has no pause: the clock runs on' },
      types: {
        access: {
          ...other('access'),
          respond: { period: days(15), basis: 'LGPD Art. 19(II)' },
          notes: [
            'a simplified confirmation is due at once (Art. 19(I)); the 15 days are for the complete statement',
          ],
        },
        rectify: other('correction'),
        erase: other('deletion'),
        opt_out: {
          ...other('revocation of consent / objection'),
          verification: unverified('no identity check needed'),
        },
      },
    };
  },
  pipeda: () => {
    const pipedaRoll: RollRule = {
      kind: 'next_working_day',
      over: SUNDAYS_AND_HOLIDAYS,
      basis: 'Interpretation Act s.26; Saturdays are not holidays (s.35)',
    };
    const s8: TypeRule = {
      respond: { period: days(30), basis: 'PIPEDA s.8(3)' },
      acknowledge: null,
      roll: pipedaRoll,
      extension: {
        kind: 'extend',
        candidates: [[days(60)]],
        basis: 'PIPEDA s.8(4)(a): up to 30 more days, notice within the first 30',
      },
      verification: verified('sufficient information to identify the individual (Principle 4.9.2)'),
      notes: [
        'the open-ended extension for format conversion (s.8(4)(b)) is not modelled',
        'national holidays only (date-holidays CA): provincial holidays are not counted',
      ],
    };
    const noDeadline = (what: string): TypeRule => ({
      ...s8,
      respond: { period: days(30), basis: `PIPEDA Principle ${what}` },
      extension: noExtension('no statutory extension for this request'),
      notes: [`no statutory deadline for this request: the 30 days of s.8(3) apply (conservative)`],
    });
    return {
      id: 'pipeda',
      name: 'Canada PIPEDA',
      timeZone: 'America/Toronto',
      timeZoneBasis: 'Eastern time (pass --tz for the organisation’s own)',
      calendar: calendar('Mon–Fri minus Canadian national public holidays', { country: 'CA' }),
      clockStart: { from: 'received', basis: 'receipt of the written request (s.8(1))' },
      pause: { kind: 'none', why: 'PIPEDA has no pause: the clock runs on' },
      types: {
        access: s8,
        rectify: { ...s8, respond: { period: days(30), basis: 'PIPEDA s.8(3), Principle 4.9.5' } },
        erase: noDeadline('4.9.5 / 4.5.3 (deletion)'),
        opt_out: {
          ...noDeadline('4.3.8 (withdrawal of consent)'),
          verification: unverified('no identity check needed'),
        },
      },
    };
  },
  fadp: () => {
    const access: TypeRule = {
      respond: { period: days(30), basis: 'FADP Art. 25(7), DSV Art. 18' },
      acknowledge: null,
      roll: {
        kind: 'next_working_day',
        over: WEEKENDS_AND_HOLIDAYS,
        basis: 'CO Art. 78 and the Federal Act on periods ending on a Saturday',
      },
      extension: noExtension(
        'a deferral with notice is allowed (DSV Art. 18(2)) but has no maximum: no extended date',
      ),
      verification: verified('reasonable identification; the data subject must cooperate (DSV Art. 16(5))'),
      notes: [
        'when a cost contribution is announced the 30 days start after the 10-day reflection period (DSV Art. 19(3)); not modelled, so dates stay early (conservative)',
        'federal holidays only (date-holidays CH): cantonal holidays are not counted',
      ],
    };
    const other = (what: string): TypeRule => ({
      ...access,
      respond: { period: days(30), basis: `FADP (${what})` },
      notes: [`no statutory deadline for ${what}: the 30 days of access apply (conservative)`],
    });
    return {
      id: 'fadp',
      name: 'Switzerland revFADP',
      timeZone: 'Europe/Zurich',
      timeZoneBasis: 'Swiss time',
      calendar: calendar('Mon–Fri minus Swiss federal public holidays', { country: 'CH' }),
      clockStart: { from: 'received', basis: 'receipt of the request (FADP Art. 25(7))' },
      pause: { kind: 'none', why: 'the FADP has no pause: the clock runs on' },
      types: {
        access,
        rectify: other('rectification'),
        erase: other('erasure'),
        opt_out: { ...other('objection'), verification: unverified('no identity check needed') },
      },
    };
  },
};

export function lawRule(law: LawId, settings: ClockSettings): LawRule {
  return LAWS[law](settings);
}
