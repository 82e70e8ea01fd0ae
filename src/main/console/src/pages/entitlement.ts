import '../entitlement/entitlement.css';
import { type Entitlement, get, Problem, segment, SignInRequired } from '../api';
import { isAdmin } from '../caller';
import { h, time } from '../dom';
import { actionsPanel } from '../entitlement/actions';
import { explainPanel } from '../entitlement/explain';
import { CHART_TYPES, chartPoints, recentWindows, type Window } from '../entitlement/points';
import { recordsLookup } from '../entitlement/records';
import { allHistory, HISTORY_TYPES, historyPage } from '../history';
import type { PageContext } from '../page';
import { problemView } from '../problems';
import { timeline } from '../timeline';
import { usageBar } from './user';

/** How long the page waits for the history to show an action's event before it redraws anyway. */
const CATCH_UP_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function summary(entitlement: Entitlement): HTMLElement[] {
  const { usage } = entitlement;
  return [
    h(
      'p',
      { class: 'ent-state' },
      h('span', { class: entitlement.active ? 'state active' : 'state inactive' }, entitlement.active ? 'active' : 'inactive'),
    ),
    usage
      ? h(
          'dl',
          { class: 'policy' },
          h('dt', {}, 'Limit'),
          h('dd', {}, String(usage.limit)),
          h('dt', {}, 'Period'),
          h('dd', {}, usage.period),
          h('dt', {}, 'Window'),
          h('dd', {}, time(usage.periodStart), ' – ', usage.periodEnd ? time(usage.periodEnd) : '(never ends)'),
          h('dt', {}, 'Anchor'),
          h('dd', {}, usage.anchor ? time(usage.anchor) : 'calendar (UTC)'),
          h('dt', {}, 'Over the limit'),
          h('dd', {}, usage.overLimit),
        )
      : h('p', { class: 'hint' }, 'No usage tracking.'),
    usage ? usageBar(usage) : h('span', {}),
  ];
}

/**
 * The entitlement page: its state and policy with the usage bar; the usage chart over the current window and the two
 * before it (from the history); "why is this balance X?" (explain); "did this message count?" (usage records);
 * ADMIN's actions; and the entitlement's history. After an action the page re-reads everything without a reload.
 */
export async function entitlementPage(userId: string, entitlementKey: string, context: PageContext): Promise<HTMLElement> {
  const { signal } = context;
  const base = `/api/v1/entitlements/${segment(userId)}/${segment(entitlementKey)}`;
  const heading = h(
    'h1',
    { id: 'entitlement-title' },
    h('code', { class: 'key' }, entitlementKey),
    ' of ',
    h('a', { href: `#/users/${encodeURIComponent(userId)}`, class: 'user' }, userId),
  );
  let entitlement: Entitlement;
  try {
    entitlement = await get<Entitlement>(base, { signal });
  } catch (error) {
    if (error instanceof Problem && !(error instanceof SignInRequired)) {
      return h('section', { class: 'entitlement', 'aria-labelledby': 'entitlement-title' }, heading, problemView(error));
    }
    throw error;
  }

  const state = h('div', { class: 'ent-summary' });
  const status = h('p', { class: 'hint updating', role: 'status' });
  const chartSlot = h('div', { class: 'chart-slot' });
  const explainSlot = h('div', { class: 'explain-slot' });
  const history = timeline({ userId, entitlementKey, signal });
  let chartRun = new AbortController();

  const windows = (): Window[] => (entitlement.usage ? recentWindows(entitlement.usage) : []);

  async function drawChart(): Promise<void> {
    chartRun.abort();
    chartRun = new AbortController();
    const run = chartRun;
    signal.addEventListener('abort', () => run.abort(), { once: true });
    const usage = entitlement.usage;
    if (!usage) {
      chartSlot.replaceChildren(h('p', { class: 'hint' }, 'No usage tracking: nothing to chart.'));
      return;
    }
    const shown = windows();
    try {
      const [{ usageChart }, entries] = await Promise.all([
        import('../entitlement/chart'),
        allHistory({
          userId,
          entitlementKey,
          types: CHART_TYPES,
          from: new Date(shown[0].start).toISOString(),
          signal,
        }),
      ]);
      if (!run.signal.aborted) {
        chartSlot.replaceChildren(usageChart(chartPoints(shown, entries, Date.now()), shown, usage.limit, run.signal));
      }
    } catch (error) {
      if (error instanceof SignInRequired) {
        throw error;
      }
      if (!run.signal.aborted) {
        chartSlot.replaceChildren(problemView(error));
      }
    }
  }

  async function drawExplain(): Promise<void> {
    if (!entitlement.usage) {
      explainSlot.replaceChildren(
        h('section', { class: 'panel explain' }, h('h2', {}, 'Why is this balance what it is?'), h('p', { class: 'hint' }, 'No usage tracking.')),
      );
      return;
    }
    const panel = explainPanel(base, windows(), signal);
    explainSlot.replaceChildren(panel.element);
    await panel.reload();
  }

  /** Waits until the history (a projection, a moment behind) has the entitlement's latest event. */
  async function caughtUp(version: number): Promise<void> {
    const until = Date.now() + CATCH_UP_MS;
    const types = HISTORY_TYPES.filter((type) => type !== 'UsageRejected');
    while (Date.now() < until && !signal.aborted) {
      const page = await historyPage({ userId, entitlementKey, types, limit: 5, signal });
      if (page.entries.some((entry) => (entry.sequenceNumber ?? -1) >= version)) {
        return;
      }
      await sleep(250);
    }
  }

  function drawState(): void {
    state.replaceChildren(...summary(entitlement));
    actions?.update();
  }

  const actions = isAdmin(context.caller)
    ? actionsPanel({
        base,
        state: () => entitlement,
        changed: async () => {
          status.textContent = 'Updating…';
          entitlement = await get<Entitlement>(base, { signal });
          drawState();
          await caughtUp(entitlement.version);
          await Promise.all([drawChart(), drawExplain(), history.reload()]);
          status.textContent = 'Up to date.';
        },
      })
    : null;

  drawState();
  await Promise.all([drawChart(), drawExplain(), history.reload()]);

  return h(
    'section',
    { class: 'entitlement', 'aria-labelledby': 'entitlement-title' },
    heading,
    state,
    status,
    h(
      'section',
      { class: 'panel chart-panel', 'aria-labelledby': 'chart-title' },
      h('h2', { id: 'chart-title' }, entitlement.usage && entitlement.usage.period !== 'NONE' ? 'Usage over the last three windows' : 'Usage'),
      chartSlot,
    ),
    explainSlot,
    recordsLookup(userId, entitlementKey, signal),
    actions?.element ?? null,
    history.element,
  );
}
