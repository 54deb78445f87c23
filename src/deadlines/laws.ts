import { brazilCanadaSwitzerlandLaws } from './laws-brazil-canada-switzerland.ts';
import { californiaLaws } from './laws-california.ts';
import type { LawFactory } from './laws-common.ts';
import { euUkLaws } from './laws-eu-uk.ts';
import { usStateLaws } from './laws-us-states.ts';
import type { LawId, LawRule } from './rules.ts';
import type { ClockSettings } from './settings.ts';

// The rules table. Sources and confidence: /work/shared/research/legal-deadlines.md §1–§2.
// Where the research marks a rule unsettled, the entry takes the reading that gives the earlier date
// and says so in a note, which ends up in `explain`.

// The entries live in laws-*.ts by jurisdiction; typing the whole as a Record over LawId makes the
// compiler refuse a law without an entry.
const LAWS: Readonly<Record<LawId, LawFactory>> = {
  ...euUkLaws,
  ...californiaLaws,
  ...usStateLaws,
  ...brazilCanadaSwitzerlandLaws,
};

export function lawRule(law: LawId, settings: ClockSettings): LawRule {
  return LAWS[law](settings);
}
