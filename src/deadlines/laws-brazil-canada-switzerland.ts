import {
  calendar,
  type LawEntries,
  noExtension,
  SUNDAYS_AND_HOLIDAYS,
  unverified,
  verified,
  WEEKENDS_AND_HOLIDAYS,
} from './laws-common.ts';
import { days, type RollRule, type TypeRule } from './rules.ts';

// The rules table's entries outside the EU, UK and US: Brazil's LGPD, Canada's PIPEDA and Switzerland's
// revFADP (laws.ts explains the table's sources and conservatism).

export const brazilCanadaSwitzerlandLaws: LawEntries<'lgpd' | 'pipeda' | 'fadp'> = {
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
