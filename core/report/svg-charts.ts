/**
 * Small inline SVG charts for the run report: no scripts, no external assets, scale with the page
 * (viewBox), colours from the report's CSS variables, a <title> on every mark for hover details.
 */
import { escapeHtml, formatCount } from './html.js';

export const SERIES_COLOURS = ['#2563eb', '#db2777', '#16a34a', '#ea580c', '#7c3aed', '#0891b2', '#ca8a04', '#4b5563'];

export function seriesColour(index: number): string {
  return SERIES_COLOURS[index % SERIES_COLOURS.length]!;
}

export interface Series {
  readonly name: string;
  readonly values: readonly (number | null)[];
}

export interface LineChartOptions {
  readonly label: string;
  /** X axis labels, one per point (oldest first). */
  readonly xLabels: readonly string[];
  readonly series: readonly Series[];
  /** 'count' (integers) or 'share' (0..1 shown as %). */
  readonly kind: 'count' | 'share';
}

/** viewBox size of full-width charts: close to the rendered size, so text stays ~12px. */
const WIDTH = 960;
const HEIGHT = 240;
const MARGIN = { top: 16, right: 20, bottom: 44, left: 56 };

/** A round axis maximum and step for values up to `max` (integers for counts). */
export function niceScale(max: number, kind: 'count' | 'share'): { max: number; step: number } {
  if (kind === 'share') return { max: 1, step: 0.25 };
  if (max <= 4) return { max: 4, step: 1 };
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= rough) ?? 10 * magnitude);
  const integerStep = Math.ceil(step);
  return { max: Math.ceil(max / integerStep) * integerStep, step: integerStep };
}

function formatTick(value: number, kind: 'count' | 'share'): string {
  return kind === 'share' ? `${Math.round(value * 100)}%` : formatCount(value);
}

function formatPoint(value: number, kind: 'count' | 'share'): string {
  return kind === 'share' ? `${(value * 100).toFixed(1)}%` : formatCount(value);
}

/** A line chart over runs, one line per series, with a legend below. */
export function lineChart(options: LineChartOptions): string {
  const { xLabels, series, kind } = options;
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const scale = niceScale(Math.max(0, ...values), kind);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (i: number) => MARGIN.left + (xLabels.length <= 1 ? plotWidth / 2 : (i * plotWidth) / (xLabels.length - 1));
  const y = (v: number) => MARGIN.top + plotHeight - (v / scale.max) * plotHeight;
  const parts: string[] = [];
  for (let tick = 0; tick <= scale.max + 1e-9; tick += scale.step) {
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}"/>`,
      `<text class="tick" x="${MARGIN.left - 8}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${escapeHtml(formatTick(tick, kind))}</text>`,
    );
  }
  // At most ~8 x labels, always the first and the last.
  const every = Math.max(1, Math.ceil(xLabels.length / 8));
  xLabels.forEach((label, i) => {
    if (i % every !== 0 && i !== xLabels.length - 1) return;
    const anchor = xLabels.length > 1 && i === 0 ? 'start' : xLabels.length > 1 && i === xLabels.length - 1 ? 'end' : 'middle';
    parts.push(`<text class="tick" x="${x(i).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="${anchor}">${escapeHtml(label)}</text>`);
  });
  parts.push(`<line class="axis" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(0)}" y2="${y(0)}"/>`);
  series.forEach((s, index) => {
    const colour = seriesColour(index);
    // Earlier series are drawn wider, so a line hidden under a later one with equal values still shows.
    const behind = Math.min(2, series.length - 1 - index);
    const points = s.values.flatMap((v, i) => (v === null ? [] : [`${x(i).toFixed(1)},${y(v).toFixed(1)}`]));
    if (points.length > 1) parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="${2.5 + 1.5 * behind}" stroke-linejoin="round" stroke-linecap="round" points="${points.join(' ')}"/>`);
    s.values.forEach((v, i) => {
      if (v === null) return;
      parts.push(
        `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="${4 + 1.5 * behind}" fill="${colour}"><title>${escapeHtml(`${s.name} — ${xLabels[i] ?? ''}: ${formatPoint(v, kind)}`)}</title></circle>`,
      );
    });
  });
  const legend = series
    .map((s, index) => `<span class="legend-item"><span class="swatch" style="background:${seriesColour(index)}"></span>${escapeHtml(s.name)}</span>`)
    .join('');
  return (
    `<figure class="chart"><svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(options.label)}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>` +
    `<figcaption class="legend">${legend}</figcaption></figure>`
  );
}

export interface BarItem {
  readonly label: string;
  readonly value: number;
  /** Optional second value drawn on top of the bar (e.g. granted within customers). */
  readonly detail?: string;
}

/** Horizontal bars, one per item, value written at the end of the bar. */
export function barChart(options: {
  readonly label: string;
  readonly items: readonly BarItem[];
  readonly kind: 'count' | 'share';
  readonly colour?: string;
  /** viewBox width: smaller for charts in a half-width column, so the text keeps its size. */
  readonly width?: number;
}): string {
  const { items, kind } = options;
  const rowHeight = 30;
  const width = options.width ?? WIDTH;
  const labelWidth = Math.round(width * 0.24);
  const valueWidth = 80;
  const height = Math.max(1, items.length) * rowHeight + 8;
  const max = kind === 'share' ? 1 : Math.max(1, ...items.map((item) => item.value));
  const barSpace = width - labelWidth - valueWidth;
  const colour = options.colour ?? seriesColour(0);
  const rows = items.map((item, i) => {
    const top = 4 + i * rowHeight;
    const barWidth = Math.max(item.value > 0 ? 2 : 0, (item.value / max) * barSpace);
    const maxChars = Math.floor(labelWidth / 7.5);
    const label = item.label.length > maxChars ? `${item.label.slice(0, maxChars - 1)}…` : item.label;
    return (
      `<text class="bar-label" x="${labelWidth - 10}" y="${top + 19}" text-anchor="end">${escapeHtml(label)}<title>${escapeHtml(item.label)}</title></text>` +
      `<rect class="bar-track" x="${labelWidth}" y="${top + 5}" width="${barSpace}" height="${rowHeight - 10}" rx="3"/>` +
      `<rect x="${labelWidth}" y="${top + 5}" width="${barWidth.toFixed(1)}" height="${rowHeight - 10}" rx="3" fill="${colour}"><title>${escapeHtml(`${item.label}: ${formatPoint(item.value, kind)}${item.detail ? ` (${item.detail})` : ''}`)}</title></rect>` +
      `<text class="bar-value" x="${labelWidth + barSpace + 8}" y="${top + 19}">${escapeHtml(formatPoint(item.value, kind))}</text>`
    );
  });
  return `<figure class="chart"><svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(options.label)}" xmlns="http://www.w3.org/2000/svg">${rows.join('')}</svg></figure>`;
}
