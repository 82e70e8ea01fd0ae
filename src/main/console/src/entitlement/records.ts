import { get, segment, SignInRequired } from '../api';
import { h, time } from '../dom';
import { problemView } from '../problems';

/** GET /api/v1/usage/records/{key} (README "Did my message count?", dev.ledger.correction.UsageRecord). */
export interface UsageRecord {
  dedupKey: string;
  status: 'COUNTED' | 'PARTIALLY_REVERSED' | 'REVERSED' | 'REJECTED' | 'INVALID' | string;
  userId: string | null;
  entitlementKey: string | null;
  amount: number | null;
  reversed: number;
  position: number | null;
  occurredAt: string | null;
  recordedAt: string | null;
  messageIds: string[];
  rejections: Array<{ reasonCode: string; receiveCount: number; outcome: string; at: string }>;
}

const MEANING: Record<string, string> = {
  COUNTED: 'Counted.',
  PARTIALLY_REVERSED: 'Counted; part of it has been reversed.',
  REVERSED: 'Counted; all of it has been reversed.',
  REJECTED: 'Not counted: only rejected (retried, then dead-lettered).',
  INVALID: 'Not counted: dead-lettered at once as invalid.',
};

function view(record: UsageRecord): HTMLElement {
  const rows: Array<[string, Node | string]> = [
    ['Status', h('span', { class: `record-status status-${record.status}`, 'data-status': record.status }, record.status)],
  ];
  const add = (name: string, value: Node | string | null) => {
    if (value !== null) {
      rows.push([name, value]);
    }
  };
  add('Amount', record.amount === null ? null : h('span', { class: 'record-amount' }, String(record.amount)));
  add('Reversed', h('span', { class: 'record-reversed' }, String(record.reversed)));
  add('Occurred at', record.occurredAt ? time(record.occurredAt) : null);
  add('Recorded at', record.recordedAt ? time(record.recordedAt) : null);
  add('Position', record.position === null ? (record.amount === null ? null : 'not in the history yet') : String(record.position));
  add(
    'Message ids',
    record.messageIds.length === 0
      ? 'none'
      : h('ul', { class: 'message-ids' }, ...record.messageIds.map((id) => h('li', {}, h('code', {}, id)))),
  );
  return h(
    'div',
    { class: 'usage-record', 'data-status': record.status },
    h('p', {}, h('code', {}, record.dedupKey), ': ', MEANING[record.status] ?? record.status),
    h('dl', { class: 'record-fields' }, ...rows.flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, value)])),
    record.rejections.length === 0
      ? null
      : h(
          'table',
          { class: 'record-rejections' },
          h('caption', {}, 'Rejected or invalid receives, oldest first'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Reason'),
              h('th', { scope: 'col' }, 'Receive'),
              h('th', { scope: 'col' }, 'Outcome'),
              h('th', { scope: 'col' }, 'At'),
            ),
          ),
          h(
            'tbody',
            {},
            ...record.rejections.map((r) =>
              h(
                'tr',
                { 'data-reason-code': r.reasonCode },
                h('td', {}, h('code', { class: 'reason-code' }, r.reasonCode)),
                h('td', { class: 'number' }, String(r.receiveCount)),
                h('td', {}, r.outcome),
                h('td', {}, time(r.at)),
              ),
            ),
          ),
        ),
  );
}

/** "Did this message count?": a lookup of one usage by dedup key or SQS message id on this entitlement. */
export function recordsLookup(userId: string, entitlementKey: string, signal: AbortSignal): HTMLElement {
  const input = h('input', { id: 'record-key', name: 'key', required: true, autocomplete: 'off', spellcheck: 'false' });
  const button = h('button', { type: 'submit' }, 'Look up');
  const result = h('div', { class: 'record-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'record-lookup' },
    h('label', { for: 'record-key' }, 'Dedup key or message id'),
    input,
    button,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      const key = input.value.trim();
      if (!key) {
        return;
      }
      button.disabled = true;
      result.setAttribute('aria-busy', 'true');
      try {
        const record = await get<UsageRecord>(`/api/v1/usage/records/${segment(key)}`, {
          query: { userId, entitlementKey },
          signal,
        });
        result.replaceChildren(view(record));
      } catch (error) {
        if (error instanceof SignInRequired) {
          throw error;
        }
        if (!signal.aborted) {
          result.replaceChildren(problemView(error));
        }
      } finally {
        button.disabled = false;
        result.removeAttribute('aria-busy');
      }
    })();
  });
  return h(
    'section',
    { class: 'panel records', 'aria-labelledby': 'records-title' },
    h('h2', { id: 'records-title' }, 'Did this message count?'),
    form,
    result,
  );
}
