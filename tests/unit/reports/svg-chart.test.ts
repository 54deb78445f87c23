import { describe, expect, it } from 'vitest';
import { barChart, type Series } from '../../../src/reports/svg-chart.ts';

const one: Series[] = [{ key: 'n', label: 'Requests', colour: '#1f4e79', pattern: 'solid' }];
const two: Series[] = [
  { key: 'a', label: 'Know', colour: '#1f4e79', pattern: 'solid' },
  { key: 'b', label: 'Delete', colour: '#a33b00', pattern: 'stripes' },
];

describe('barChart layout', () => {
  it('one series → bar lengths in proportion, the longest bar filling the bar area, no legend', () => {
    const chart = barChart({
      id: 'c',
      title: 't',
      desc: 'd',
      series: one,
      rows: [
        { label: 'x', values: [8] },
        { label: 'y', values: [2] },
        { label: 'z', values: [0] },
      ],
    });
    const [x, y, z] = chart.rows;
    expect(x!.segments).toEqual([{ x: 140, width: 220, fill: '#1f4e79' }]);
    expect(y!.segments).toEqual([{ x: 140, width: 55, fill: '#1f4e79' }]);
    // A zero draws no bar, but its number is still written next to the axis.
    expect(z!.segments).toEqual([]);
    expect(z!.total).toBe(0);
    expect(z!.totalX).toBe(146);
    expect(chart.legend).toEqual([]);
    expect(chart.defs).toEqual([]);
    expect(chart.height).toBe(4 + 3 * 28 + 4);
  });

  it('stacked series → segments end to end in series order, patterns defined, a legend entry per series', () => {
    const chart = barChart({
      id: 'w',
      title: 't',
      desc: 'd',
      series: two,
      rows: [
        { label: 'week 1', values: [1, 3] },
        { label: 'week 2', values: [2, 0] },
      ],
    });
    expect(chart.rows[0]!.segments).toEqual([
      { x: 140, width: 55, fill: '#1f4e79' },
      { x: 195, width: 165, fill: 'url(#w-b)' },
    ]);
    expect(chart.rows[0]!.total).toBe(4);
    expect(chart.rows[1]!.segments).toHaveLength(1);
    expect(chart.defs).toEqual([{ id: 'w-b', colour: '#a33b00', pattern: 'stripes' }]);
    expect(chart.legend.map((l) => [l.label, l.fill])).toEqual([
      ['Know', '#1f4e79'],
      ['Delete', 'url(#w-b)'],
    ]);
    // Rows start below the legend.
    expect(chart.rows[0]!.barY).toBeGreaterThan(chart.legend[0]!.y + 18);
  });

  it('every value zero → no division by zero, empty bars', () => {
    const chart = barChart({
      id: 'e',
      title: 't',
      desc: 'd',
      series: one,
      rows: [{ label: 'x', values: [0] }],
    });
    expect(chart.rows[0]!.segments).toEqual([]);
  });
});
