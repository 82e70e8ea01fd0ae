import type { Usage } from '../api';
import type { HistoryEntry } from '../history';

/**
 * The usage chart's numbers, as pure functions of the policy and the history (no DOM, no uPlot): which windows to show
 * and the cumulative count within each. The chart and its data table are both drawn from the array chartPoints
 * returns.
 */

/** A usage window [start, end) in epoch milliseconds; end is null for NONE (it never closes). */
export interface Window {
  start: number;
  end: number | null;
}

export type PointKind = 'start' | 'consumed' | 'reversed' | 'reset' | 'imported' | 'now';

/** One point of the chart: the window it belongs to, when, the window's count after it, and what made it. */
export interface ChartPoint {
  /** The window's start (epoch ms). */
  window: number;
  /** Epoch ms of the point: the entry's occurredAt, the window's start, or now. */
  at: number;
  /** The instant as the API wrote it (full precision); for start and now points, at as ISO. */
  iso: string;
  used: number;
  kind: PointKind;
  /** The entry's amount (negative for a reversal); absent for start, reset and now. */
  amount?: number;
  position?: number;
  /** The usage's dedup key (for a reversal, the reversed usage's). */
  dedupKey?: string;
}

const DAY = 86_400_000;
/** The calendar origins the ledger uses without an anchor (PeriodCalendar): midnight UTC, and Monday for WEEKLY. */
const EPOCH_MIDNIGHT = Date.UTC(1970, 0, 1);
const EPOCH_MONDAY = Date.UTC(1970, 0, 5);

/** Adds months in UTC with the day clamped to the month's length, like Java's ZonedDateTime.plusMonths. */
export function plusMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const index = d.getUTCMonth() + months;
  const year = d.getUTCFullYear() + Math.floor(index / 12);
  const month = ((index % 12) + 12) % 12;
  const length = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const at = new Date(0);
  at.setUTCFullYear(year, month, Math.min(d.getUTCDate(), length));
  at.setUTCHours(d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
  return at.getTime();
}

/** Boundary k of a periodic period from origin: always computed from the origin, never by stepping (PeriodCalendar). */
export function boundary(period: string, origin: number, k: number): number {
  switch (period) {
    case 'DAILY':
      return origin + k * DAY;
    case 'WEEKLY':
      return origin + 7 * k * DAY;
    case 'MONTHLY':
      return plusMonths(origin, k);
    case 'YEARLY':
      return plusMonths(origin, 12 * k);
    default:
      throw new Error(`${period} has no recurring windows`);
  }
}

function estimate(period: string, origin: number, instant: number): number {
  const from = new Date(origin);
  const to = new Date(instant);
  switch (period) {
    case 'DAILY':
      return Math.floor((instant - origin) / DAY);
    case 'WEEKLY':
      return Math.floor((instant - origin) / (7 * DAY));
    case 'MONTHLY':
      return (to.getUTCFullYear() - from.getUTCFullYear()) * 12 + (to.getUTCMonth() - from.getUTCMonth());
    default:
      return to.getUTCFullYear() - from.getUTCFullYear();
  }
}

/** The window of a periodic policy that contains instant, as the ledger computes it (UTC, from the anchor). */
export function windowContaining(period: string, anchor: string | null | undefined, instant: number): Window {
  const origin = anchor ? Date.parse(anchor) : period === 'WEEKLY' ? EPOCH_MONDAY : EPOCH_MIDNIGHT;
  let k = estimate(period, origin, instant);
  while (boundary(period, origin, k) > instant) {
    k--;
  }
  while (boundary(period, origin, k + 1) <= instant) {
    k++;
  }
  return { start: boundary(period, origin, k), end: boundary(period, origin, k + 1) };
}

/**
 * The current window and up to count - 1 before it, oldest first. The earlier ones come from the policy, so a window
 * without usage still appears; NONE has only the one window.
 */
export function recentWindows(usage: Usage, count = 3): Window[] {
  const current: Window = {
    start: Date.parse(usage.periodStart),
    end: usage.periodEnd ? Date.parse(usage.periodEnd) : null,
  };
  const windows = [current];
  if (!['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'].includes(usage.period)) {
    return windows;
  }
  while (windows.length < count) {
    windows.unshift(windowContaining(usage.period, usage.anchor, windows[0].start - 1));
  }
  return windows;
}

/** Whether a PeriodReset entry is an operator's reset (a lazy one only opens the next window at 0). */
export function isManualReset(entry: HistoryEntry): boolean {
  return entry.type === 'PeriodReset' && entry.details?.reason === 'MANUAL';
}

/** The history types the chart reads. */
export const CHART_TYPES = ['UsageConsumed', 'UsageReversed', 'PeriodReset', 'EntitlementImported'] as const;

/**
 * The cumulative count of each window from the history (any order). Entries belong to a window by their periodStart
 * (late usage and reversals carry their own window, whenever they were recorded). Each window starts with a point at
 * 0; then its entries by occurredAt (ties by position): UsageConsumed adds its amount, UsageReversed subtracts (its
 * amount is negative; never below 0), a manual PeriodReset sets 0, an import sets its opening balance. The current
 * (last) window ends with a point at now holding its count.
 */
export function chartPoints(windows: Window[], history: HistoryEntry[], now: number): ChartPoint[] {
  const points: ChartPoint[] = [];
  windows.forEach((window, index) => {
    const mine = history
      .filter((entry) => entry.periodStart !== undefined && Date.parse(entry.periodStart) === window.start)
      .filter(
        (entry) =>
          entry.type === 'UsageConsumed' ||
          entry.type === 'UsageReversed' ||
          isManualReset(entry) ||
          (entry.type === 'EntitlementImported' && entry.amount !== undefined),
      )
      .map((entry) => ({ entry, at: Date.parse(entry.occurredAt ?? entry.recordedAt) }))
      .sort((a, b) => a.at - b.at || (a.entry.position ?? 0) - (b.entry.position ?? 0));
    let used = 0;
    points.push({ window: window.start, at: window.start, iso: new Date(window.start).toISOString(), used, kind: 'start' });
    for (const { entry, at } of mine) {
      let kind: PointKind;
      if (entry.type === 'UsageConsumed') {
        used += entry.amount ?? 0;
        kind = 'consumed';
      } else if (entry.type === 'UsageReversed') {
        used = Math.max(0, used + (entry.amount ?? 0));
        kind = 'reversed';
      } else if (entry.type === 'PeriodReset') {
        used = 0;
        kind = 'reset';
      } else {
        used = entry.usedAfter ?? entry.amount ?? 0;
        kind = 'imported';
      }
      points.push({
        window: window.start,
        at,
        iso: entry.occurredAt ?? entry.recordedAt,
        used,
        kind,
        amount: kind === 'reset' ? undefined : entry.amount,
        position: entry.position,
        dedupKey: entry.dedupKey ?? entry.reversalOf,
      });
    }
    if (index === windows.length - 1 && window.start <= now) {
      const at = Math.max(now, points[points.length - 1].at);
      points.push({ window: window.start, at, iso: new Date(at).toISOString(), used, kind: 'now' });
    }
  });
  return points;
}
