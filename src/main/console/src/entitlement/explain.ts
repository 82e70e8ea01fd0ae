import { get, SignInRequired } from '../api';
import { h, time } from '../dom';
import { problemView } from '../problems';
import type { Window } from './points';

/** GET …/explain (README "Why is this balance X?", dev.ledger.explain.Explanation). */
export interface Explanation {
  at: string;
  periodStart: string;
  periodEnd: string | null;
  limit: number;
  overLimit: string;
  used: number;
  entries: Array<{
    type: string;
    position: number;
    occurredAt: string;
    recordedAt: string;
    amount: number | null;
    usedAfter: number;
    dedupKey: string | null;
    late: boolean;
  }>;
  rejections: Array<{
    reasonCode: string;
    receiveCount: number;
    outcome: string;
    at: string;
    dedupKey: string | null;
    messageId: string | null;
  }>;
  table?: {
    usageCount: number | null;
    version: number | null;
    periodStart: string | null;
    agrees: boolean;
    error?: string;
  };
}

function th(text: string): HTMLElement {
  return h('th', { scope: 'col' }, text);
}

function entries(explanation: Explanation): HTMLElement {
  if (explanation.entries.length === 0) {
    return h('p', { class: 'hint' }, 'No events in this window: its count is 0.');
  }
  return h(
    'table',
    { class: 'explain-entries' },
    h('caption', {}, 'The events that make up the count, oldest first'),
    h(
      'thead',
      {},
      h('tr', {}, th('Event'), th('Occurred'), th('Recorded'), th('Amount'), th('Used after'), th('Dedup key')),
    ),
    h(
      'tbody',
      {},
      ...explanation.entries.map((entry) =>
        h(
          'tr',
          { 'data-type': entry.type, 'data-position': entry.position, 'data-used-after': entry.usedAfter },
          h('td', {}, entry.type, entry.late ? h('span', { class: 'tag' }, ' late') : null),
          h('td', {}, time(entry.occurredAt)),
          h('td', {}, time(entry.recordedAt)),
          h('td', { class: 'number' }, entry.amount === null ? '' : String(entry.amount)),
          h('td', { class: 'number' }, String(entry.usedAfter)),
          h('td', {}, entry.dedupKey ? h('code', {}, entry.dedupKey) : ''),
        ),
      ),
    ),
    h(
      'tfoot',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'row', colspan: 4 }, 'Total (used)'),
        h('td', { class: 'number explain-total', 'data-used': explanation.used }, String(explanation.used)),
        h('td', {}),
      ),
    ),
  );
}

function rejections(explanation: Explanation): HTMLElement | null {
  if (explanation.rejections.length === 0) {
    return null;
  }
  return h(
    'details',
    { class: 'explain-rejections' },
    h('summary', {}, `${explanation.rejections.length} rejected receive${explanation.rejections.length === 1 ? '' : 's'} in this window`),
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, th('Reason'), th('Receive'), th('Outcome'), th('At'), th('Dedup key'))),
      h(
        'tbody',
        {},
        ...explanation.rejections.map((r) =>
          h(
            'tr',
            {},
            h('td', {}, h('code', { class: 'reason-code' }, r.reasonCode)),
            h('td', { class: 'number' }, String(r.receiveCount)),
            h('td', {}, r.outcome),
            h('td', {}, time(r.at)),
            h('td', {}, r.dedupKey ? h('code', {}, r.dedupKey) : ''),
          ),
        ),
      ),
    ),
  );
}

/** Whether the DynamoDB item shows the count (current window only). */
function tableCheck(explanation: Explanation): HTMLElement {
  const table = explanation.table;
  if (!table) {
    return h('p', { class: 'table-check hint' }, 'The DynamoDB item is checked for the current window only.');
  }
  return h(
    'p',
    { class: table.agrees ? 'table-check agrees' : 'table-check disagrees', 'data-agrees': String(table.agrees) },
    h('strong', {}, table.agrees ? 'The DynamoDB item agrees.' : 'The DynamoDB item does not agree.'),
    ' ',
    table.error
      ? table.error
      : table.usageCount === null
        ? 'There is no item.'
        : `usageCount ${table.usageCount}, version ${table.version}, periodStart ${table.periodStart}.`,
    table.agrees || table.error ? '' : ' (Right after a change the table may lag for a moment.)',
  );
}

function view(explanation: Explanation): HTMLElement {
  return h(
    'div',
    { class: 'explanation', 'data-used': explanation.used, 'data-period-start': explanation.periodStart },
    h(
      'p',
      { class: 'explain-summary' },
      'The window ',
      time(explanation.periodStart),
      ' – ',
      explanation.periodEnd ? time(explanation.periodEnd) : '(never ends)',
      ` counts `,
      h('strong', {}, String(explanation.used)),
      ` of the limit ${explanation.limit} (${explanation.overLimit}).`,
    ),
    entries(explanation),
    rejections(explanation),
    tableCheck(explanation),
  );
}

/** Labels a window for the select: "current" or its dates. */
function windowName(window: Window, index: number, count: number): string {
  const from = new Date(window.start).toISOString().replace('T', ' ').replace(/:00\.000Z$/, ' UTC');
  return index === count - 1 ? `current (from ${from})` : `from ${from}`;
}

/**
 * The "why is this balance X?" panel: the explanation of the current window, or of an earlier one picked in the
 * select (GET …/explain?at=<its start>).
 */
export function explainPanel(base: string, windows: Window[], signal: AbortSignal): { element: HTMLElement; reload: () => Promise<void> } {
  const body = h('div', { class: 'explain-body', 'aria-live': 'polite' });
  const select = h(
    'select',
    { id: 'explain-window', name: 'window' },
    ...windows.map((window, index) =>
      h('option', { value: index === windows.length - 1 ? '' : new Date(window.start).toISOString() }, windowName(window, index, windows.length)),
    ),
  );
  select.value = '';
  let generation = 0;

  async function reload(): Promise<void> {
    const mine = ++generation;
    body.setAttribute('aria-busy', 'true');
    try {
      const explanation = await get<Explanation>(`${base}/explain`, { query: { at: select.value || undefined }, signal });
      if (mine === generation) {
        body.replaceChildren(view(explanation));
      }
    } catch (error) {
      if (error instanceof SignInRequired) {
        throw error;
      }
      if (mine === generation && !signal.aborted) {
        body.replaceChildren(problemView(error));
      }
    } finally {
      body.removeAttribute('aria-busy');
    }
  }

  select.addEventListener('change', () => void reload());
  const element = h(
    'section',
    { class: 'panel explain', 'aria-labelledby': 'explain-title' },
    h('h2', { id: 'explain-title' }, 'Why is this balance what it is?'),
    windows.length > 1
      ? h('p', { class: 'field-row' }, h('label', { for: 'explain-window' }, 'Window'), ' ', select)
      : null,
    body,
  );
  return { element, reload };
}
