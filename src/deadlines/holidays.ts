import Holidays from 'date-holidays';
import { type DayOff, type PlainDate, type WorkingCalendar, weekendDayOff } from './calendar.ts';

/** A public-holiday list from date-holidays: a country (ISO 3166-1) and an optional state/region code. */
export interface HolidaySource {
  country: string;
  region?: string;
}

const instances = new Map<string, Holidays>();
const byYear = new Map<string, ReadonlyMap<string, string>>();

function sourceKey(source: HolidaySource): string {
  return source.region ? `${source.country}-${source.region}` : source.country;
}

function instanceFor(source: HolidaySource): Holidays {
  const key = sourceKey(source);
  let hd = instances.get(key);
  if (!hd) {
    // date-holidays silently returns no holidays for an unknown code, which would quietly drop holidays.
    if (!isKnownHolidaySource(source)) throw new RangeError(`unknown holiday calendar ${key}`);
    hd = source.region ? new Holidays(source.country, source.region) : new Holidays(source.country);
    instances.set(key, hd);
  }
  return hd;
}

const known = new Map<string, boolean>();

export function isKnownHolidaySource(source: HolidaySource): boolean {
  const key = sourceKey(source);
  let answer = known.get(key);
  if (answer === undefined) {
    const lister = new Holidays();
    answer =
      source.country in (lister.getCountries() ?? {}) &&
      (!source.region || source.region in (lister.getStates(source.country) ?? {}));
    known.set(key, answer);
  }
  return answer;
}

/** Public holidays only (type `public`): observances, bank and optional days are not days off in law. */
export function publicHolidays(source: HolidaySource, year: number): ReadonlyMap<string, string> {
  const key = `${sourceKey(source)}:${year}`;
  let days = byYear.get(key);
  if (!days) {
    const map = new Map<string, string>();
    for (const h of instanceFor(source).getHolidays(year, 'en')) {
      if (h.type !== 'public') continue;
      const date = h.date.slice(0, 10);
      if (!map.has(date)) map.set(date, h.name);
    }
    days = map;
    byYear.set(key, days);
  }
  return days;
}

export function holidayName(source: HolidaySource, date: PlainDate): string | undefined {
  return publicHolidays(source, date.year).get(date.toString());
}

/** Mon–Fri, minus the source's public holidays when one is given. */
export function workingCalendar(label: string, source: HolidaySource | null): WorkingCalendar {
  return {
    label,
    dayOff(date: PlainDate): DayOff | null {
      // Holiday first: a law that rolls over holidays but not Saturdays (Canada) still rolls a Saturday holiday.
      const name = source ? holidayName(source, date) : undefined;
      return name === undefined ? weekendDayOff(date) : { kind: 'holiday', name };
    },
  };
}
