import {
  calendar,
  type LawEntries,
  noExtension,
  unverified,
  verified,
  WEEKENDS_AND_HOLIDAYS,
} from './laws-common.ts';
import { days, type LawId, type LawRule, type RollRule, type TypeRule } from './rules.ts';

// The rules table's entries for US states other than California: 45 days, one 45-day extension with
// notice inside the first 45 (laws.ts explains the table's sources and conservatism).

interface UsStateEntry {
  id: LawId;
  name: string;
  state: string;
  timeZone: string;
  basis: string;
  roll: RollRule;
  optOutVerification: string;
  /** Where the state requires honouring a universal opt-out mechanism such as GPC (and from when). */
  optOutSignal?: { basis: string; from: string };
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
    ...(entry.optOutSignal ? { optOutSignal: entry.optOutSignal } : {}),
  };
}

// Universal opt-out mechanisms (GPC): dates from /work/shared/research/legal-deadlines.md §1. They
// cover opting out of sale and of targeted advertising; Virginia and Utah require none.
const uoom = (state: string, law: string, from: string) => ({
  basis: `${state}: a user-selected universal opt-out mechanism (such as Global Privacy Control) is a valid opt-out of sale and targeted advertising under the ${law}, required from ${from}`,
  from,
});

export const usStateLaws: LawEntries<'vcdpa' | 'cpa' | 'ctdpa' | 'ucpa' | 'tdpsa' | 'ocpa' | 'mcdpa'> = {
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
      optOutSignal: uoom('Colorado', 'CPA (C.R.S. §6-1-1306, 4 CCR 904-3 Part 5)', '2024-07-01'),
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
      optOutSignal: uoom('Connecticut', 'CTDPA (Conn. Gen. Stat. §42-520)', '2025-01-01'),
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
      optOutSignal: uoom('Texas', 'TDPSA (Tex. Bus. & Com. Code ch. 541)', '2025-01-01'),
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
      optOutSignal: uoom('Oregon', 'OCPA (ORS 646A.572–646A.589)', '2026-01-01'),
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
      optOutSignal: uoom('Montana', 'MCDPA (MCA Title 30, ch. 14, part 28)', '2025-01-01'),
    }),
};
