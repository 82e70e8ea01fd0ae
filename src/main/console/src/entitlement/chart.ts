import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h, time } from '../dom';
import type { ChartPoint, PointKind, Window } from './points';

/**
 * The usage chart (uPlot, loaded with the entitlement page only, so the first load stays small) and its data table, the
 * accessible alternative: both are drawn from the same points.
 */

const KIND_LABEL: Record<PointKind, string> = {
  start: 'window opens',
  consumed: 'usage',
  reversed: 'reversal',
  reset: 'manual reset',
  imported: 'opening balance',
  now: 'now',
};

/** What uPlot draws: x in seconds, the count, the limit, and the count again at reversals and at resets only. */
export function chartSeries(points: ChartPoint[], limit: number): uPlot.AlignedData {
  return [
    points.map((p) => p.at / 1000),
    points.map((p) => p.used),
    points.map(() => limit),
    points.map((p) => (p.kind === 'reversed' ? p.used : null)),
    points.map((p) => (p.kind === 'reset' ? p.used : null)),
  ];
}

const noLine = () => null;

function options(width: number, limit: number, points: ChartPoint[], windows: Window[]): uPlot.Options {
  const top = Math.max(limit, ...points.map((p) => p.used));
  // the x axis spans the windows whole (the current one to its end), so each window takes its share of the width
  const current = windows[windows.length - 1];
  const from = windows[0].start / 1000;
  const to = Math.max(current.end ?? 0, points[points.length - 1].at) / 1000;
  return {
    width,
    height: 260,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    scales: { x: { time: true, range: () => [from, to] }, y: { range: () => [0, Math.max(1, Math.ceil(top * 1.15))] } },
    axes: [{ label: 'time (UTC)' }, { label: 'used' }],
    cursor: { drag: { x: false, y: false } },
    series: [
      {},
      {
        label: 'used',
        stroke: '#1f5fbf',
        width: 2,
        fill: 'rgba(31, 95, 191, 0.08)',
        paths: uPlot.paths.stepped!({ align: 1 }),
        points: { show: false },
      },
      { label: 'limit', stroke: '#b3261e', width: 1.5, dash: [6, 4], points: { show: false } },
      {
        label: 'reversal',
        stroke: '#c26a00',
        paths: noLine,
        points: { show: true, size: 12, width: 3, stroke: '#c26a00', fill: '#fff' },
      },
      {
        label: 'manual reset',
        stroke: '#6b2fa3',
        paths: noLine,
        points: { show: true, size: 11, width: 2, stroke: '#fff', fill: '#6b2fa3' },
      },
    ],
  };
}

function windowLabel(window: Window): Node {
  return h('span', {}, time(new Date(window.start).toISOString()));
}

/** The same points as a table, one row per point, with data-window/at/used/kind for the browser tests. */
export function chartTable(points: ChartPoint[], windows: Window[]): HTMLTableElement {
  const byStart = new Map(windows.map((w) => [w.start, w]));
  return h(
    'table',
    { class: 'chart-data' },
    h('caption', {}, 'Every point of the chart, oldest first'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Window from'),
        h('th', { scope: 'col' }, 'At'),
        h('th', { scope: 'col' }, 'What'),
        h('th', { scope: 'col' }, 'Change'),
        h('th', { scope: 'col' }, 'Used'),
        h('th', { scope: 'col' }, 'Dedup key'),
      ),
    ),
    h(
      'tbody',
      {},
      ...points.map((p) =>
        h(
          'tr',
          {
            class: `kind-${p.kind}`,
            'data-window': new Date(p.window).toISOString(),
            'data-at': p.iso,
            'data-used': p.used,
            'data-kind': p.kind,
          },
          h('td', {}, windowLabel(byStart.get(p.window) ?? { start: p.window, end: null })),
          h('td', {}, time(p.iso)),
          h('td', {}, KIND_LABEL[p.kind]),
          h('td', { class: 'number' }, p.amount === undefined ? '' : p.amount > 0 ? `+${p.amount}` : String(p.amount)),
          h('td', { class: 'number' }, String(p.used)),
          h('td', {}, p.dedupKey ? h('code', {}, p.dedupKey) : ''),
        ),
      ),
    ),
  );
}

/**
 * The chart of cumulative used against the limit over the given windows, with reversals and manual resets marked,
 * followed by its data table. It takes the width of its container and follows it; it stops when signal aborts.
 */
export function usageChart(points: ChartPoint[], windows: Window[], limit: number, signal: AbortSignal): HTMLElement {
  const plotted = h('div', {
    class: 'chart',
    role: 'img',
    'aria-label': `Cumulative used against the limit of ${limit} over ${windows.length} windows; the table below lists every point`,
  });
  const page = document.getElementById('page');
  const guess = Math.max(320, (page?.clientWidth ?? 960) - 64);
  const plot = new uPlot(options(guess, limit, points, windows), chartSeries(points, limit), plotted);
  const observer = new ResizeObserver(() => {
    const width = plotted.clientWidth;
    if (width > 0 && Math.abs(width - plot.width) > 1) {
      plot.setSize({ width, height: 260 });
    }
  });
  observer.observe(plotted);
  signal.addEventListener('abort', () => {
    observer.disconnect();
    plot.destroy();
  });
  const reversals = points.filter((p) => p.kind === 'reversed').length;
  const resets = points.filter((p) => p.kind === 'reset').length;
  return h(
    'div',
    { class: 'usage-chart' },
    plotted,
    h(
      'p',
      { class: 'hint chart-note' },
      `Windows from ${new Date(windows[0].start).toISOString().slice(0, 10)}; `,
      `${reversals} reversal${reversals === 1 ? '' : 's'} (hollow orange) and ${resets} manual reset${resets === 1 ? '' : 's'} (purple) marked. `,
      'A reversal is drawn at the time of the usage it reverses.',
    ),
    h('details', { class: 'chart-details' }, h('summary', {}, 'Chart data'), chartTable(points, windows)),
  );
}
