import { describe, expect, it } from 'vitest';
import { computeDeadline } from '../../../src/deadlines/compute.ts';
import { DeadlineInputError } from '../../../src/deadlines/errors.ts';
import { defaultClockSettings } from '../../../src/deadlines/settings.ts';
import { thrown } from '../../helpers/thrown.ts';

const good = { law: 'ccpa', type: 'access', received: '2026-01-09T18:00:00Z' };

const errorOf = (run: () => unknown) => thrown(DeadlineInputError, run);

describe('computeDeadline input errors', () => {
  it.each([
    ['unknown law', { ...good, law: 'hipaa' }, 'law', /unknown law "hipaa" \(expected one of: gdpr, uk-gdpr/],
    ['missing law', { ...good, law: undefined }, 'law', /^required \(one of: gdpr/],
    [
      'unknown type',
      { ...good, type: 'delete' },
      'type',
      /unknown type "delete" \(expected one of: access, rectify/,
    ],
    [
      'instant without offset',
      { ...good, received: '2026-01-09T18:00:00' },
      'received',
      /not an ISO 8601 instant/,
    ],
    ['date only', { ...good, received: '2026-01-09' }, 'received', /not an ISO 8601 instant/],
    [
      'garbage instant',
      { ...good, received: 'yesterday' },
      'received',
      /"yesterday" is not an ISO 8601 instant/,
    ],
    ['missing instant', { ...good, received: undefined }, 'received', /^required/],
    ['missing type', { ...good, type: undefined }, 'type', /^required \(one of: access/],
    [
      'year out of range',
      { ...good, received: '2500-01-01T00:00:00Z' },
      'received',
      /outside the supported years/,
    ],
    ['unknown time zone', { ...good, tz: 'Mars/Olympus' }, 'tz', /"Mars\/Olympus" is not an IANA time zone/],
    ['offset as time zone', { ...good, tz: '+01:00' }, 'tz', /not an IANA time zone/],
  ])('%s → DeadlineInputError naming %s', (_name, input, field, message) => {
    const error = errorOf(() => computeDeadline(input, defaultClockSettings));
    expect(error.field).toBe(field);
    expect(error.code).toBe('DEADLINE_INPUT');
    expect(error.message).toMatch(message);
  });

  it('several bad fields → the first in contract order (law) is reported', () => {
    expect(errorOf(() => computeDeadline({ law: 'x', type: 'y', received: 'z' })).field).toBe('law');
  });

  it('unknown ORG_COUNTRY in settings → error naming settings.orgCountry, not a silent holiday-free calendar', () => {
    const error = errorOf(() => computeDeadline(good, { ...defaultClockSettings, orgCountry: 'XX' }));
    expect(error.field).toBe('settings.orgCountry');
  });

  it.each([0, 2, 1.5])(
    'CalOPPA days of %d in settings → error naming settings.caloppaResponseDays',
    (days) => {
      const error = errorOf(() =>
        computeDeadline(good, { ...defaultClockSettings, caloppaResponseDays: days }),
      );
      expect(error.field).toBe('settings.caloppaResponseDays');
    },
  );

  it('CalOPPA days of 3 (the minimum) → accepted', () => {
    expect(computeDeadline(good, { ...defaultClockSettings, caloppaResponseDays: 3 }).law).toBe('ccpa');
  });
});
