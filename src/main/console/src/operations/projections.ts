import { get, post, segment } from '../api';
import { h, time } from '../dom';
import { cell, headerRow, isForbidden, showProblem, sleep } from './shared';
import type { ProjectionStatus, ProjectionStatuses, RebuildStarted } from './types';

export const PROJECTIONS_PATH = '/api/v1/admin/projections';

/** How often the status is asked while the page is open. */
export const POLL_MS = 2500;

/** What a rebuild does, from the README's "Projection rebuild runbook", said before the person confirms. */
const CONSEQUENCES: Record<string, string> = {
  dynamodb:
    'Bumps the generation, stops the processor on every instance and rewrites the DynamoDB entitlements table in ' +
    'place in one pass over the event store. Usage keeps being recorded and readers keep the old item until it is ' +
    'rewritten; items lag by the length of the pass. EXTRA items are not deleted.',
  history:
    'Empties usage_history and replays every event into it. Until the replay is done, the history and the timeline ' +
    'are incomplete.',
};

/** Done: the processor runs again at the new generation, is not replaying and has applied every event. */
export function rebuildDone(status: ProjectionStatus, generation: number): boolean {
  return status.generation >= generation && status.state === 'RUNNING' && !status.replaying && status.lagEvents === 0;
}

function progressBar(percent: number | null, label: string): HTMLElement {
  // without a figure the bar is indeterminate (it moves without saying how far)
  const bar = h('progress', { max: 100, 'aria-label': label });
  if (percent !== null) {
    bar.value = percent;
  }
  return bar;
}

function row(status: ProjectionStatus): HTMLTableRowElement {
  const progress =
    status.replayProgressPercent === null
      ? '—'
      : h(
          'span',
          { class: 'progress-cell' },
          progressBar(status.replayProgressPercent, `${status.projection} progress`),
          ` ${status.replayProgressPercent.toFixed(1)} %`,
        );
  return h(
    'tr',
    {
      'data-projection': status.projection,
      'data-state': status.state,
      'data-lag-events': status.lagEvents,
      'data-generation': status.generation,
    },
    h('th', { scope: 'row' }, status.projection, h('br'), h('code', { class: 'processor' }, status.processor)),
    cell(h('span', { class: `projection-state state-${status.state.toLowerCase()}` }, status.state), 'state'),
    cell(String(status.position), 'num position'),
    cell(String(status.head), 'num head'),
    cell(String(status.lagEvents), 'num lag-events'),
    cell(`${status.lagSeconds.toFixed(1)} s`, 'num lag-seconds'),
    cell(status.replaying ? 'yes' : 'no', 'replaying'),
    cell(progress, 'progress'),
    cell(String(status.generation), 'num generation'),
    cell(`${status.claimedSegments} / ${status.segments}`, 'num segments'),
  );
}

/** A rebuild the person started here, followed through the status polling until it is done. */
interface Tracker {
  projection: string;
  generation: number;
  element: HTMLElement;
  line: HTMLElement;
  bar: HTMLElement;
  done: boolean;
}

export interface ProjectionsSection {
  element: HTMLElement;
  /**
   * The first status, awaited by the page: a 403 is thrown (the person may not use this page at all), a 401 too
   * (sign-in); any other failure is shown in the section and the polling goes on trying.
   */
  load: () => Promise<void>;
  /** Polls every POLL_MS until the signal aborts. A failed poll shows its problem and the polling goes on. */
  poll: () => Promise<void>;
}

/**
 * Projection status (a table refreshed every few seconds) and the rebuild with an in-page confirmation, whose progress
 * comes from the same polling. `afterAction` runs after a rebuild was started (the audit trail reloads).
 */
export function projectionsSection(signal: AbortSignal, afterAction: () => void): ProjectionsSection {
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'ops-table projections-table' },
    h('caption', { class: 'visually-hidden' }, 'Status of each projection'),
    headerRow(
      'Projection',
      'State',
      'Position',
      'Head',
      'Lag (events)',
      'Lag (seconds)',
      'Replaying',
      'Replay / rebuild progress',
      'Generation',
      'Segments claimed',
    ),
    body,
  );
  const updated = h('p', { class: 'hint projections-updated' });
  const pollProblem = h('div', { class: 'poll-problem' });
  const trackers = new Map<string, Tracker>();

  function render(statuses: ProjectionStatus[]): void {
    body.replaceChildren(...statuses.map(row));
    updated.replaceChildren(
      `Refreshed every ${POLL_MS / 1000} s; last at `,
      time(new Date().toISOString()),
      '.',
    );
    for (const status of statuses) {
      const tracker = trackers.get(status.projection);
      if (tracker && !tracker.done) {
        follow(tracker, status);
      }
    }
  }

  async function refresh(): Promise<void> {
    const answer = await get<ProjectionStatuses>(PROJECTIONS_PATH, { signal });
    render(answer.projections);
  }

  async function load(): Promise<void> {
    try {
      await refresh();
    } catch (error) {
      if (isForbidden(error)) {
        throw error;
      }
      showProblem(pollProblem, error, signal);
    }
  }

  async function poll(): Promise<void> {
    while (!signal.aborted) {
      await sleep(POLL_MS, signal);
      if (signal.aborted) {
        return;
      }
      try {
        await refresh();
        pollProblem.replaceChildren();
      } catch (error) {
        // a 401 is thrown on (main.ts returns to sign-in); anything else is shown and the polling goes on
        showProblem(pollProblem, error, signal);
      }
    }
  }

  function follow(tracker: Tracker, status: ProjectionStatus): void {
    const bar = progressBar(status.replayProgressPercent, `Progress of the ${tracker.projection} rebuild`);
    tracker.bar.replaceWith(bar);
    tracker.bar = bar;
    if (status.generation < tracker.generation) {
      tracker.line.textContent = `Waiting for generation ${tracker.generation}…`;
      return;
    }
    if (rebuildDone(status, tracker.generation)) {
      tracker.done = true;
      tracker.element.dataset.done = 'true';
      tracker.element.classList.add('done');
      tracker.bar.remove();
      tracker.line.textContent =
        `Rebuild done: ${status.projection} is ${status.state} at generation ${status.generation}, ` +
        `lag ${status.lagEvents} events.`;
      buttons.get(tracker.projection)!.disabled = false;
      return;
    }
    const percent = status.replayProgressPercent === null ? '' : `, ${status.replayProgressPercent.toFixed(1)} %`;
    tracker.line.textContent =
      `${status.state}${percent}, lag ${status.lagEvents} events (${status.lagSeconds.toFixed(1)} s), ` +
      `generation ${status.generation}.`;
    tracker.element.dataset.state = status.state;
  }

  // rebuild: a button per projection opens an in-page confirmation; confirming posts and follows the progress
  const confirmArea = h('div', { class: 'rebuild-confirm-area' });
  const progressArea = h('div', { class: 'rebuild-progress-area', 'aria-live': 'polite' });
  const buttons = new Map<string, HTMLButtonElement>();
  for (const projection of Object.keys(CONSEQUENCES)) {
    const button = h('button', { type: 'button', class: 'secondary', 'data-rebuild': projection }, `Rebuild ${projection}…`);
    button.addEventListener('click', () => ask(projection));
    buttons.set(projection, button);
  }

  function ask(projection: string): void {
    const titleId = `rebuild-${projection}-title`;
    const confirm = h('button', { type: 'button', class: 'danger' }, `Confirm rebuild of ${projection}`);
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const panel = h(
      'div',
      { class: 'rebuild-confirm', role: 'group', 'aria-labelledby': titleId, tabindex: -1, 'data-projection': projection },
      h('h3', { id: titleId }, `Rebuild ${projection}?`),
      h('p', {}, CONSEQUENCES[projection]),
      h('div', { class: 'actions' }, confirm, cancel),
    );
    cancel.addEventListener('click', () => {
      confirmArea.replaceChildren();
      buttons.get(projection)!.focus();
    });
    confirm.addEventListener('click', () => void start(projection, confirm, cancel));
    confirmArea.replaceChildren(panel);
    panel.focus();
  }

  async function start(projection: string, confirm: HTMLButtonElement, cancel: HTMLButtonElement): Promise<void> {
    confirm.disabled = true;
    cancel.disabled = true;
    const failure = h('div', {});
    confirmArea.firstElementChild?.append(failure);
    let started: RebuildStarted;
    try {
      started = await post<RebuildStarted>(`${PROJECTIONS_PATH}/${segment(projection)}/rebuild`, undefined, { signal });
    } catch (error) {
      confirm.disabled = false;
      cancel.disabled = false;
      showProblem(failure, error, signal);
      return;
    } finally {
      afterAction();
    }
    confirmArea.replaceChildren();
    const line = h('p', { class: 'rebuild-line' }, `Started; waiting for the status of generation ${started.generation}…`);
    const bar = progressBar(null, `Progress of the ${projection} rebuild`);
    const element = h(
      'div',
      { class: 'rebuild-progress', 'data-projection': projection, 'data-generation': started.generation, tabindex: -1 },
      h('p', {}, h('strong', {}, `Rebuild of ${started.projection}`), ` (${started.processor}), generation ${started.generation}: `, started.status),
      bar,
      line,
    );
    const tracker: Tracker = { projection, generation: started.generation, element, line, bar, done: false };
    trackers.set(projection, tracker);
    progressArea.querySelector(`.rebuild-progress[data-projection="${projection}"]`)?.remove();
    progressArea.append(element);
    buttons.get(projection)!.disabled = true;
    element.focus();
    try {
      await refresh();
      pollProblem.replaceChildren();
    } catch (error) {
      showProblem(pollProblem, error, signal);
    }
  }

  const element = h(
    'section',
    { class: 'ops-section projections', 'aria-labelledby': 'projections-title' },
    h('h2', { id: 'projections-title' }, 'Projections'),
    table,
    updated,
    pollProblem,
    h('h3', {}, 'Rebuild'),
    h(
      'p',
      { class: 'hint' },
      'Follow the runbook: deploy the fix first, check drift before and after. The page follows the progress until the ' +
        'projection is RUNNING, not replaying and without lag.',
    ),
    h('div', { class: 'actions' }, ...buttons.values()),
    confirmArea,
    progressArea,
  );
  return { element, load, poll };
}
