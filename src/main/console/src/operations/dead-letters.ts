import { get, post } from '../api';
import { h, time } from '../dom';
import { cell, headerRow, hiddenLabel, orDash, showProblem } from './shared';
import type { DeadLetter, DeadLetterList, RedriveResult } from './types';

export const DEAD_LETTERS_PATH = '/api/v1/admin/dead-letters';
/** The API's maximum: the page lists every message it can. */
export const DEAD_LETTERS_LIMIT = 1000;

function counted(value: boolean | null): HTMLElement {
  const text = value === null ? 'unknown' : String(value);
  return h('span', { class: `counted counted-${text}`, title: value === null ? 'the body is not a valid usage message' : undefined }, text);
}

export interface DeadLettersSection {
  element: HTMLElement;
  reload: () => Promise<void>;
}

/**
 * The messages waiting in the DLQ with their reason and `counted` flag; the person ticks some and redrives them, and
 * sees how many moved and which were not found. `afterAction` runs after a redrive (the audit trail reloads).
 */
export function deadLettersSection(signal: AbortSignal, afterAction: () => void): DeadLettersSection {
  const selected = new Set<string>();
  const body = h('tbody');
  const all = h('input', { type: 'checkbox', id: 'dead-letters-all' });
  const table = h(
    'table',
    { class: 'ops-table dead-letters-table' },
    h('caption', { class: 'visually-hidden' }, 'Messages in the dead-letter queue'),
    h(
      'colgroup',
      {},
      h('col', { class: 'col-select' }),
      h('col', { class: 'col-id' }),
      h('col', { class: 'col-id' }),
      h('col', { class: 'col-sent' }),
      h('col', { class: 'col-receives' }),
      h('col', { class: 'col-reason' }),
      h('col', { class: 'col-counted' }),
      h('col', { class: 'col-body' }),
    ),
    headerRow(
      h('span', {}, all, hiddenLabel('dead-letters-all', 'Select every listed message')),
      'Message id',
      'Original message id',
      'Sent',
      'Receives',
      'Reason',
      'Counted',
      'Body',
    ),
    body,
  );
  const status = h('p', { class: 'hint dead-letters-status' });
  const outcome = h('div', { class: 'redrive-result', 'aria-live': 'polite' });
  const failure = h('div', {});
  const redrive = h('button', { type: 'button', disabled: true }, 'Redrive selected');
  const reloadButton = h('button', { type: 'button', class: 'secondary' }, 'Reload');

  function boxes(): HTMLInputElement[] {
    return [...body.querySelectorAll<HTMLInputElement>('input[type=checkbox]')];
  }

  function sync(): void {
    const listed = boxes();
    redrive.disabled = selected.size === 0;
    redrive.textContent = selected.size === 0 ? 'Redrive selected' : `Redrive selected (${selected.size})`;
    all.checked = listed.length > 0 && listed.every((box) => box.checked);
    all.indeterminate = !all.checked && listed.some((box) => box.checked);
  }

  function row(letter: DeadLetter, index: number): HTMLTableRowElement {
    const id = `dead-letter-${index}`;
    const box = h('input', { type: 'checkbox', id, value: letter.messageId, checked: selected.has(letter.messageId) });
    box.addEventListener('change', () => {
      if (box.checked) {
        selected.add(letter.messageId);
      } else {
        selected.delete(letter.messageId);
      }
      sync();
    });
    return h(
      'tr',
      {
        'data-message-id': letter.messageId,
        'data-original-message-id': letter.originalMessageId,
        'data-reason-code': letter.reasonCode ?? undefined,
        'data-counted': letter.counted === null ? 'unknown' : String(letter.counted),
      },
      cell(h('span', {}, box, hiddenLabel(id, `Select message ${letter.messageId}`)), 'select'),
      cell(h('code', {}, letter.messageId), 'message-id'),
      cell(h('code', {}, letter.originalMessageId), 'original-message-id'),
      cell(letter.sentAt ? time(letter.sentAt) : '—', 'sent'),
      cell(String(letter.receiveCount), 'num receive-count'),
      cell(
        h('span', {}, h('code', { class: 'reason-code' }, orDash(letter.reasonCode)), ' ', h('span', { class: 'reason-detail' }, letter.reasonDetail ?? '')),
        'reason',
      ),
      cell(counted(letter.counted), 'counted-cell'),
      cell(h('pre', { class: 'body' }, letter.body), 'body-cell'),
    );
  }

  async function reload(): Promise<void> {
    reloadButton.disabled = true;
    failure.replaceChildren();
    try {
      const list = await get<DeadLetterList>(DEAD_LETTERS_PATH, { query: { limit: DEAD_LETTERS_LIMIT }, signal });
      const ids = new Set(list.messages.map((m) => m.messageId));
      for (const id of [...selected]) {
        if (!ids.has(id)) {
          selected.delete(id);
        }
      }
      body.replaceChildren(...list.messages.map(row));
      table.hidden = list.messages.length === 0;
      status.replaceChildren(
        list.messages.length === 0
          ? 'The dead-letter queue is empty.'
          : `${list.count} ${list.count === 1 ? 'message' : 'messages'}${list.count >= DEAD_LETTERS_LIMIT ? ` (the first ${DEAD_LETTERS_LIMIT})` : ''}, listed at `,
        list.messages.length === 0 ? '' : time(new Date().toISOString()),
        list.messages.length === 0 ? '' : '.',
      );
      sync();
    } catch (error) {
      showProblem(failure, error, signal);
    } finally {
      reloadButton.disabled = false;
    }
  }

  async function redriveSelected(): Promise<void> {
    const messageIds = [...selected];
    if (messageIds.length === 0) {
      return;
    }
    redrive.disabled = true;
    outcome.replaceChildren(h('p', { class: 'hint' }, `Redriving ${messageIds.length}…`));
    try {
      const result = await post<RedriveResult>(DEAD_LETTERS_PATH + '/redrive', { messageIds }, { signal });
      outcome.replaceChildren(
        h(
          'p',
          { class: 'redrive-counts', 'data-moved': result.moved, 'data-not-found': result.notFound.length },
          `Redrive: moved ${result.moved}, not found ${result.notFound.length}.`,
        ),
        result.notFound.length === 0
          ? ''
          : h('p', { class: 'not-found' }, 'Not found (already moved or deleted): ', ...result.notFound.flatMap((id, i) => [i ? ', ' : '', h('code', {}, id)])),
      );
      selected.clear();
    } catch (error) {
      outcome.replaceChildren();
      showProblem(outcome, error, signal);
    } finally {
      afterAction();
    }
    await reload();
  }

  all.addEventListener('change', () => {
    for (const box of boxes()) {
      box.checked = all.checked;
      if (all.checked) {
        selected.add(box.value);
      } else {
        selected.delete(box.value);
      }
    }
    sync();
  });
  redrive.addEventListener('click', () => void redriveSelected());
  reloadButton.addEventListener('click', () => void reload());

  const element = h(
    'section',
    { class: 'ops-section dead-letters', 'aria-labelledby': 'dead-letters-title' },
    h('h2', { id: 'dead-letters-title' }, 'Dead letters'),
    h(
      'p',
      { class: 'hint' },
      'Fix the cause first (grant or activate the entitlement, raise the limit), then redrive. A redriven message keeps ' +
        'its original id as its dedup key, so a message that was counted is not counted twice.',
    ),
    h('div', { class: 'actions' }, redrive, reloadButton),
    outcome,
    failure,
    status,
    table,
  );
  return { element, reload };
}
