import { describe, expect, it } from 'vitest';
import { renderMetricsCsv } from '../../../src/reports/metrics-format.ts';
import type { MetricsReport, TypeMetrics } from '../../../src/reports/metrics-service.ts';

const metrics = (over: Partial<TypeMetrics> = {}): TypeMetrics => ({
  received: 0,
  compliedWholeOrPart: 0,
  denied: 0,
  deniedByReason: {
    unverifiable: 0,
    manifestly_unfounded_or_excessive: 0,
    exemption_applies: 0,
    not_a_consumer: 0,
    other: 0,
  },
  withdrawn: 0,
  open: 0,
  medianDays: null,
  meanDays: null,
  ...over,
});

describe('renderMetricsCsv', () => {
  it('a report → header, one CRLF row per type in §7102 order, empty cells where no response yet', () => {
    const report: MetricsReport = {
      year: 2026,
      law: 'ccpa',
      timeZone: 'America/Los_Angeles',
      generatedAt: '2027-01-01T00:00:00.000Z',
      notes: [],
      types: {
        access: metrics({
          received: 3,
          compliedWholeOrPart: 1,
          denied: 1,
          open: 1,
          medianDays: 4.5,
          meanDays: 4.5,
        }),
        erase: metrics(),
        rectify: metrics({ received: 1, withdrawn: 1 }),
        opt_out: metrics({ received: 2, compliedWholeOrPart: 2, medianDays: 0, meanDays: 0 }),
      },
    };
    report.types.access.deniedByReason.not_a_consumer = 1;
    expect(renderMetricsCsv(report).split('\r\n')).toEqual([
      'year,law,type,received,complied_whole_or_part,denied,denied_unverifiable,denied_manifestly_unfounded_or_excessive,denied_exemption_applies,denied_not_a_consumer,denied_other,withdrawn,open,median_days,mean_days',
      '2026,ccpa,access,3,1,1,0,0,0,1,0,0,1,4.5,4.5',
      '2026,ccpa,erase,0,0,0,0,0,0,0,0,0,0,,',
      '2026,ccpa,rectify,1,0,0,0,0,0,0,0,1,0,,',
      '2026,ccpa,opt_out,2,2,0,0,0,0,0,0,0,0,0,0',
      '',
    ]);
  });
});
