/**
 * The run report as one self-contained HTML page: inline CSS, inline SVG charts, no scripts, and a
 * Content-Security-Policy that forbids every network fetch. Shows counts, names and run ids only.
 * Every figure carries `data-figure="<kind>:<name>"` (raw value in `data-value`) so tests can read it.
 */
import { escapeHtml, formatCount, formatShare } from './html.js';
import type { ReportData } from './report-data.js';
import { barChart, lineChart, seriesColour } from './svg-charts.js';

const STYLE = `
:root { --fg:#1f2937; --muted:#6b7280; --line:#e5e7eb; --bg:#f8fafc; --card:#fff; --accent:#2563eb; --good:#16a34a; --warn:#b45309; --bad:#dc2626; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1080px; margin: 0 auto; padding: 24px 20px 48px; }
header h1 { font-size: 24px; margin: 0 0 4px; }
header .meta { color: var(--muted); margin: 0; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #eef2f7; padding: 1px 5px; border-radius: 4px; }
nav { margin: 14px 0 8px; display: flex; flex-wrap: wrap; gap: 6px; }
nav a { color: var(--accent); text-decoration: none; padding: 3px 10px; border: 1px solid var(--line); border-radius: 999px; background: var(--card); font-size: 13px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px; margin-top: 16px; }
h2 { font-size: 18px; margin: 0 0 10px; }
h3 { font-size: 14px; margin: 16px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 10px; background: none; border: 0; padding: 0; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
.kpi .value { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; }
.kpi .label { color: var(--muted); font-size: 12.5px; }
.kpi.warn .value { color: var(--warn); }
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: middle; }
th { font-size: 12px; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: .03em; }
td.n, th.n { text-align: right; white-space: nowrap; }
tr.current td { background: #eff6ff; }
.none { color: var(--muted); font-style: italic; margin: 4px 0; }
.share { display: inline-flex; align-items: center; gap: 8px; justify-content: flex-end; }
.meter { display: inline-block; width: 90px; height: 8px; border-radius: 4px; background: var(--line); overflow: hidden; }
.meter > span { display: block; height: 100%; background: var(--good); }
.plus { color: var(--good); } .minus { color: var(--bad); } .held { color: var(--warn); font-weight: 600; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
figure.chart { margin: 6px 0 0; }
figure.chart svg { width: 100%; height: auto; display: block; }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: var(--fg); }
svg .tick { fill: var(--muted); font-size: 11px; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .axis { stroke: #9ca3af; stroke-width: 1; }
svg .bar-track { fill: #f1f5f9; }
svg .bar-value { font-variant-numeric: tabular-nums; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; color: var(--muted); font-size: 12.5px; margin-top: 4px; }
.legend-item { display: inline-flex; align-items: center; gap: 6px; }
.swatch { width: 12px; height: 12px; border-radius: 3px; display: inline-block; }
footer { color: var(--muted); font-size: 12.5px; margin-top: 20px; text-align: center; }
@media print { body { background: #fff; } section, .kpi { break-inside: avoid; } nav { display: none; } }
`;

type Cell = string | { readonly html: string; readonly numeric?: boolean; readonly className?: string };

/** A number cell with its figure key and raw value. */
function figure(key: string, value: number, options: { readonly sign?: '+' | '−'; readonly className?: string } = {}): Cell {
  const shown = `${options.sign && value > 0 ? options.sign : ''}${formatCount(value)}`;
  return { html: `<span data-figure="${escapeHtml(key)}" data-value="${value}">${shown}</span>`, numeric: true, ...(options.className ? { className: options.className } : {}) };
}

/** Two figures in one cell: granted / denied. */
function pair(grantedKey: string, granted: number, deniedKey: string, denied: number): Cell {
  const span = (key: string, value: number) => `<span data-figure="${escapeHtml(key)}" data-value="${value}">${formatCount(value)}</span>`;
  return { html: `${span(grantedKey, granted)} / ${span(deniedKey, denied)}`, numeric: true };
}

function shareCell(key: string, part: number, whole: number): Cell {
  const ratio = whole > 0 ? part / whole : 0;
  return {
    html: `<span class="share"><span data-figure="${escapeHtml(key)}" data-value="${ratio}">${formatShare(part, whole)}</span><span class="meter"><span style="width:${(ratio * 100).toFixed(1)}%"></span></span></span>`,
    numeric: true,
  };
}

function table(headers: readonly (string | { readonly text: string; readonly numeric: boolean })[], rows: readonly { readonly cells: readonly Cell[]; readonly className?: string }[]): string {
  const head = headers
    .map((h) => (typeof h === 'string' ? `<th>${escapeHtml(h)}</th>` : `<th${h.numeric ? ' class="n"' : ''}>${escapeHtml(h.text)}</th>`))
    .join('');
  const body = rows
    .map(
      (row) =>
        `<tr${row.className ? ` class="${row.className}"` : ''}>${row.cells
          .map((cell) => {
            if (typeof cell === 'string') return `<td>${escapeHtml(cell)}</td>`;
            const classes = [cell.numeric ? 'n' : '', cell.className ?? ''].filter(Boolean).join(' ');
            return `<td${classes ? ` class="${classes}"` : ''}>${cell.html}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  return `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

const n = (text: string) => ({ text, numeric: true });

function kpi(label: string, key: string, value: number, warn = false): string {
  return `<div class="kpi${warn && value > 0 ? ' warn' : ''}"><div class="value" data-figure="${escapeHtml(key)}" data-value="${value}">${formatCount(value)}</div><div class="label">${escapeHtml(label)}</div></div>`;
}

/** Short x-axis labels for the history: times when every run is on one day, else dates and times. */
function runLabels(history: ReportData['history']): string[] {
  const days = new Set(history.map((h) => h.publishedAt.slice(0, 10)));
  const byTime = history.map((h) => (days.size === 1 ? h.publishedAt.slice(11, 19) : `${h.publishedAt.slice(5, 10)} ${h.publishedAt.slice(11, 16)}`));
  const usable = history.every((h) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(h.publishedAt)) && new Set(byTime).size === byTime.length;
  // Runs published within the same second (tests, quick re-runs) are told apart by their ids.
  return usable ? byTime : history.map((h) => (h.runId.length > 16 ? `…${h.runId.slice(-14)}` : h.runId));
}

function sourcesSection(data: ReportData): string {
  const sources = table(
    ['Source', 'Type', 'Format', n('Rows read'), n('Accepted'), n('Rejected'), n('Consent facts')],
    data.sources.map((s) => ({
      cells: [
        s.source,
        s.sourceType,
        s.format,
        figure(`source-rows-read:${s.source}`, s.rowsRead),
        figure(`source-rows-accepted:${s.source}`, s.rowsAccepted),
        figure(`source-rows-rejected:${s.source}`, s.rowsRejected, s.rowsRejected > 0 ? { className: 'held' } : {}),
        figure(`source-consent-facts:${s.source}`, s.consentFacts),
      ],
    })),
  );
  const rejects =
    data.rejects.length === 0
      ? '<p class="none">No rejected rows.</p>'
      : table(
          ['Source', 'Reason', n('Rows')],
          data.rejects.map((r) => ({ cells: [r.source, r.reason, figure(`rejects:${r.source}:${r.reason}`, r.rows)] })),
        );
  return `<section id="sources"><h2>Sources</h2>${sources}<h3>Rejected rows by reason</h3>${rejects}</section>`;
}

function customersSection(data: ReportData): string {
  const c = data.customers;
  const stats = table(
    [n('Customers'), n('Profile records'), n('Merged customers'), n('Largest customer (records)')],
    [{ cells: [figure('customers', c.customers), figure('profile-records', c.profileRecords), figure('merged-customers', c.mergedCustomers), figure('largest-cluster', c.largestCluster)] }],
  );
  const distribution =
    c.recordCounts.length === 0
      ? '<p class="none">No customers.</p>'
      : barChart({
          label: 'Customers by number of source records',
          items: c.recordCounts.map((b) => ({ label: `${b.bucket} record${b.bucket === '1' ? '' : 's'}`, value: b.customers })),
          kind: 'count',
          colour: seriesColour(5),
          width: 440,
        });
  const refusals =
    data.mergeRefusals.length === 0
      ? '<p class="none">No keys refused for matching.</p>'
      : table(
          ['Key', 'Reason', n('Keys refused'), n('Records involved')],
          data.mergeRefusals.map((r) => ({ cells: [r.keyKind, r.reason, figure(`merge-refusals:${r.keyKind}:${r.reason}`, r.keys), figure(`merge-refusal-records:${r.keyKind}:${r.reason}`, r.records)] })),
        );
  const orphans =
    data.orphans.length === 0
      ? '<p class="none">Every consent fact found its customer.</p>'
      : table(
          ['Source', 'Reason', n('Consent facts')],
          data.orphans.map((o) => ({ cells: [o.source, o.reason, figure(`orphans:${o.source}:${o.reason}`, o.facts, { className: 'held' })] })),
        );
  return (
    `<section id="customers"><h2>Customers and merging</h2>${stats}` +
    `<div class="grid2"><div><h3>Customers by number of source records</h3>${distribution}</div>` +
    `<div><h3>Merge refusals</h3>${refusals}<h3>Orphan consent facts</h3>${orphans}</div></div></section>`
  );
}

const BASIS_LABEL: Record<string, string> = {
  record: 'the latest valid record decided (granted ✓ / denied ✗)',
  default: 'no valid record: the purpose’s regime default',
  expired: 'the deciding grant expired, so denied',
};

function consentSection(data: ReportData): string {
  if (data.consent.length === 0) return '<section id="consent"><h2>Effective consent</h2><p class="none">No purposes.</p></section>';
  const rows = data.consent.map((p) => {
    const basis = (name: string) => p.byBasis.find((b) => b.basis === name) ?? { granted: 0, denied: 0 };
    return {
      cells: [
        p.purpose,
        figure(`consent-customers:${p.purpose}`, p.customers),
        figure(`consent-granted:${p.purpose}`, p.granted),
        shareCell(`consent-rate:${p.purpose}`, p.granted, p.customers),
        pair(`consent-record-granted:${p.purpose}`, basis('record').granted, `consent-record-denied:${p.purpose}`, basis('record').denied),
        pair(`consent-default-granted:${p.purpose}`, basis('default').granted, `consent-default-denied:${p.purpose}`, basis('default').denied),
        figure(`consent-expired:${p.purpose}`, basis('expired').granted + basis('expired').denied),
      ],
    };
  });
  const chart = barChart({
    label: 'Share of customers with consent granted, per purpose',
    items: data.consent.map((p) => ({ label: p.purpose, value: p.customers > 0 ? p.granted / p.customers : 0, detail: `${formatCount(p.granted)} of ${formatCount(p.customers)}` })),
    kind: 'share',
    colour: seriesColour(2),
  });
  const legend = Object.entries(BASIS_LABEL)
    .map(([basis, label]) => `<code>${basis}</code> ${escapeHtml(label)}`)
    .join(' · ');
  return (
    `<section id="consent"><h2>Effective consent per purpose</h2>` +
    table(['Purpose', n('Customers'), n('Granted'), n('Granted share'), n('By a record ✓ / ✗'), n('By default ✓ / ✗'), n('Grant expired')], rows) +
    `<p class="none">Basis: ${legend}.</p><h3>Granted share</h3>${chart}</section>`
  );
}

function segmentsSection(data: ReportData): string {
  if (data.segments.length === 0) return '<section id="segments"><h2>Segments</h2><p class="none">No segments.</p></section>';
  const rows = data.segments.map((s) => ({
    cells: [
      s.segment,
      figure(`segment-members:${s.segment}`, s.members),
      figure(`segment-added:${s.segment}`, s.added, { sign: '+', className: 'plus' }),
      figure(`segment-removed:${s.segment}`, s.removed, { sign: '−', className: 'minus' }),
    ],
  }));
  const chart = barChart({ label: 'Segment sizes', items: data.segments.map((s) => ({ label: s.segment, value: s.members })), kind: 'count' });
  return `<section id="segments"><h2>Segments</h2>${table(['Segment', n('Members'), n('Added'), n('Removed')], rows)}<h3>Members</h3>${chart}</section>`;
}

function exportsSection(data: ReportData): string {
  if (data.exports.length === 0) return '<section id="exports"><h2>Exports</h2><p class="none">No exports.</p></section>';
  const rows = data.exports.map((e) => ({
    cells: [
      e.export,
      e.segment,
      e.purpose,
      e.segmentMembers === null ? { html: '–', numeric: true } : figure(`export-segment-members:${e.export}`, e.segmentMembers),
      figure(`export-rows-written:${e.export}`, e.rowsWritten),
      figure(`export-held-back:${e.export}`, e.heldBack, e.heldBack > 0 ? { className: 'held' } : {}),
      figure(`export-added:${e.export}`, e.added, { sign: '+', className: 'plus' }),
      figure(`export-removed:${e.export}`, e.removed, { sign: '−', className: 'minus' }),
    ],
  }));
  return (
    `<section id="exports"><h2>Exports</h2>` +
    table(['Export', 'Segment', 'Purpose (guard)', n('Segment members'), n('Rows written'), n('Held back by guard'), n('Added'), n('Removed')], rows) +
    `<p class="none">Held back: segment members whose effective consent for the export's purpose is not granted; they are never written.</p></section>`
  );
}

function historySection(data: ReportData): string {
  const history = data.history;
  if (history.length === 0) return '';
  const labels = runLabels(history);
  const segmentNames = [...new Set([...data.segments.map((s) => s.segment), ...history.flatMap((h) => Object.keys(h.segments))])];
  const purposeNames = [...new Set([...data.consent.map((c) => c.purpose), ...history.flatMap((h) => Object.keys(h.optInRates))])];
  const sizes = lineChart({
    label: 'Segment sizes over the retained runs',
    xLabels: labels,
    series: segmentNames.map((name) => ({ name, values: history.map((h) => h.segments[name] ?? null) })),
    kind: 'count',
  });
  const rates = lineChart({
    label: 'Opt-in rates (granted share) over the retained runs',
    xLabels: labels,
    series: purposeNames.map((name) => ({ name, values: history.map((h) => h.optInRates[name] ?? null) })),
    kind: 'share',
  });
  const runs = table(
    ['Run', 'Published', n('Customers'), ...segmentNames.map((s) => n(s))],
    [...history].reverse().map((h) => ({
      className: h.runId === data.runId ? 'current' : '',
      cells: [
        { html: `<code>${escapeHtml(h.runId)}</code>${h.runId === data.runId ? ' (this run)' : ''}` },
        h.publishedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
        figure(`history-customers:${h.runId}`, h.customers),
        ...segmentNames.map((s): Cell => (h.segments[s] === undefined ? { html: '–', numeric: true } : figure(`history-segment:${h.runId}:${s}`, h.segments[s]))),
      ],
    })),
  );
  return (
    `<section id="history"><h2>Retained runs (${history.length})</h2>` +
    `<h3>Segment sizes</h3>${sizes}<h3>Opt-in rates (granted share)</h3>${rates}` +
    `<h3>Runs</h3>${runs}</section>`
  );
}

export function renderReport(data: ReportData): string {
  const rowsRead = data.sources.reduce((sum, s) => sum + s.rowsRead, 0);
  const rowsRejected = data.sources.reduce((sum, s) => sum + s.rowsRejected, 0);
  const rowsWritten = data.exports.reduce((sum, e) => sum + e.rowsWritten, 0);
  const heldBack = data.exports.reduce((sum, e) => sum + e.heldBack, 0);
  const orphanFacts = data.orphans.reduce((sum, o) => sum + o.facts, 0);
  const meta = [
    `run <code>${escapeHtml(data.runId)}</code>`,
    data.publishedAt ? `published ${escapeHtml(data.publishedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}` : '',
    data.trigger ? `trigger ${escapeHtml(data.trigger)}` : '',
    data.previousRunId ? `previous run <code>${escapeHtml(data.previousRunId)}</code>` : 'first run',
  ]
    .filter(Boolean)
    .join(' · ');
  const sections = [
    `<section class="kpis">${[
      kpi('rows read', 'kpi:rows-read', rowsRead),
      kpi('rows rejected', 'kpi:rows-rejected', rowsRejected, true),
      kpi('customers', 'kpi:customers', data.customers.customers),
      kpi('orphan consent facts', 'kpi:orphan-facts', orphanFacts, true),
      kpi('export rows written', 'kpi:rows-written', rowsWritten),
      kpi('held back by the consent guard', 'kpi:held-back', heldBack, true),
    ].join('')}</section>`,
    sourcesSection(data),
    customersSection(data),
    consentSection(data),
    segmentsSection(data),
    exportsSection(data),
    historySection(data),
  ];
  const nav = [
    ['sources', 'Sources'],
    ['customers', 'Customers'],
    ['consent', 'Consent'],
    ['segments', 'Segments'],
    ['exports', 'Exports'],
    ...(data.history.length > 0 ? [['history', 'Retained runs']] : []),
  ]
    .map(([id, label]) => `<a href="#${id}">${label}</a>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="consent-refresh">
<title>Run report ${escapeHtml(data.runId)} — consent-refresh</title>
<style>${STYLE}</style>
</head>
<body>
<main data-run-id="${escapeHtml(data.runId)}">
<header><h1>consent-refresh run report</h1><p class="meta">${meta}</p></header>
<nav>${nav}</nav>
${sections.join('\n')}
<footer>Generated ${escapeHtml(data.generatedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))} by consent-refresh · counts, names and run ids only — no personal data.</footer>
</main>
</body>
</html>
`;
}
