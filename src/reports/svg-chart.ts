/*
 * Horizontal (stacked) bar charts as a template model: geometry here, markup in
 * templates/reports/bar-chart.hbs. Horizontal bars keep the labels readable at 360 px; every bar
 * carries its number as text, every series has its own fill pattern and a legend entry, and each chart
 * is followed by a data table, so nothing is told by colour alone.
 */

export type Pattern = 'solid' | 'stripes' | 'dots' | 'cross';
/** Fill colours with at least 3:1 contrast against the white background. */
export type Series = { key: string; label: string; colour: string; pattern: Pattern };
export type ChartRow = { label: string; values: number[] };

export type ChartInput = { id: string; title: string; desc: string; series: Series[]; rows: ChartRow[] };

type Segment = { x: number; width: number; fill: string };
export type ChartModel = {
  id: string;
  title: string;
  desc: string;
  width: number;
  height: number;
  defs: { id: string; colour: string; pattern: Pattern }[];
  legend: { x: number; y: number; label: string; fill: string }[];
  rows: {
    label: string;
    labelX: number;
    textY: number;
    barY: number;
    barHeight: number;
    segments: Segment[];
    total: number;
    totalX: number;
  }[];
  axisX: number;
  axisTop: number;
  axisBottom: number;
};

// User units; the SVG scales to its box (width 100%), so at 360 px one unit is about 0.8 px.
const width = 400;
const labelWidth = 140;
const totalRoom = 40;
const rowHeight = 28;
const barHeight = 20;
const legendRow = 26;
const legendItem = 200;

/** Lays out one bar per row; a row's values are stacked in series order. */
export function barChart(input: ChartInput): ChartModel {
  const stacked = input.series.length > 1;
  const legendRows = stacked ? Math.ceil((input.series.length * legendItem) / width) : 0;
  const top = legendRows * legendRow + (stacked ? 8 : 4);
  const barArea = width - labelWidth - totalRoom;
  const max = Math.max(1, ...input.rows.map((r) => r.values.reduce((a, b) => a + b, 0)));
  const fillOf = (s: Series) => (s.pattern === 'solid' ? s.colour : `url(#${input.id}-${s.key})`);
  const perRow = Math.max(1, Math.floor(width / legendItem));
  const rows = input.rows.map((row, i) => {
    const y = top + i * rowHeight;
    let x = labelWidth;
    const segments: Segment[] = [];
    row.values.forEach((value, s) => {
      const series = input.series[s];
      if (!series || value <= 0) return;
      const w = (value / max) * barArea;
      segments.push({ x: round(x), width: round(w), fill: fillOf(series) });
      x += w;
    });
    const total = row.values.reduce((a, b) => a + b, 0);
    return {
      label: row.label,
      labelX: labelWidth - 8,
      textY: y + rowHeight / 2 + 5,
      barY: y + (rowHeight - barHeight) / 2,
      barHeight,
      segments,
      total,
      totalX: round(x + 6),
    };
  });
  return {
    id: input.id,
    title: input.title,
    desc: input.desc,
    width,
    height: top + input.rows.length * rowHeight + 4,
    defs: input.series
      .filter((s) => s.pattern !== 'solid')
      .map((s) => ({ id: `${input.id}-${s.key}`, colour: s.colour, pattern: s.pattern })),
    legend: stacked
      ? input.series.map((s, i) => ({
          x: (i % perRow) * legendItem,
          y: Math.floor(i / perRow) * legendRow + 4,
          label: s.label,
          fill: fillOf(s),
        }))
      : [],
    rows,
    axisX: labelWidth,
    axisTop: top,
    axisBottom: top + input.rows.length * rowHeight,
  };
}

const round = (n: number) => Math.round(n * 10) / 10;
