import { h, time } from './dom';
import { HISTORY_TYPES, type HistoryEntry, historyPage } from './history';
import { problemView } from './problems';

/** Entries per page of the timeline. */
export const TIMELINE_PAGE = 20;

function entitlementHash(entry: HistoryEntry): string {
  return `#/users/${encodeURIComponent(entry.userId)}/entitlements/${encodeURIComponent(entry.entitlementKey)}`;
}

/** The one-line summary of an entry: what happened, in a support agent's words. */
function summary(entry: HistoryEntry): Array<Node | string> {
  const amount = entry.amount ?? 0;
  const after = entry.usedAfter !== undefined ? ` → used ${entry.usedAfter}${entry.limit !== undefined ? ` / ${entry.limit}` : ''}` : '';
  switch (entry.type) {
    case 'UsageConsumed':
      return entry.late && entry.periodStart
        ? [`counted ${amount} late, in the window of `, time(entry.periodStart)]
        : [`counted ${amount}${after}`];
    case 'UsageReversed':
      return [`reversed ${-amount} of `, h('code', {}, entry.reversalOf ?? '?'), `${after}`, entry.reason ? ` — ${entry.reason}` : ''];
    case 'UsageRejected':
      return [
        h('code', { class: 'reason-code' }, entry.reasonCode ?? 'REJECTED'),
        ` ${entry.reasonDetail ?? ''}`,
        entry.receiveCount !== undefined ? ` (receive ${entry.receiveCount}${entry.outcome ? `, ${entry.outcome}` : ''})` : '',
      ];
    case 'PeriodReset':
      return [`window reset${entry.details?.reason ? ` (${String(entry.details.reason)})` : ''}${after}`];
    case 'EntitlementImported':
      return [`imported with an opening balance of ${amount}`];
    default:
      return [entry.type.replace(/^Entitlement|^Usage/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()];
  }
}

function pretty(value: unknown): HTMLElement {
  return h('pre', {}, JSON.stringify(value, null, 2));
}

/** Every field the entry has, for "which message was this?" */
function details(entry: HistoryEntry, showKey: boolean): HTMLElement {
  const rows: Array<[string, Node | string]> = [];
  if (showKey) {
    rows.push(['entitlement', h('a', { href: entitlementHash(entry) }, entry.entitlementKey)]);
  }
  const add = (name: string, value: unknown, render?: (v: never) => Node | string) => {
    if (value !== undefined && value !== null) {
      rows.push([name, render ? render(value as never) : String(value)]);
    }
  };
  add('message id', entry.messageId, (v: string) => h('code', { class: 'message-id' }, v));
  add('dedup key', entry.dedupKey, (v: string) => h('code', { class: 'dedup-key' }, v));
  add('reversal of', entry.reversalOf, (v: string) => h('code', {}, v));
  add('occurred at', entry.occurredAt, (v: string) => time(v));
  add('recorded at', entry.recordedAt, (v: string) => time(v));
  add('window', entry.periodStart, (v: string) => h('span', {}, time(v), ' – ', entry.periodEnd ? time(entry.periodEnd) : '…'));
  add('amount', entry.amount);
  add('used after', entry.usedAfter);
  add('limit', entry.limit);
  add('reason', entry.reason);
  add('caller', entry.caller);
  add('reason code', entry.reasonCode);
  add('reason detail', entry.reasonDetail);
  add('receive count', entry.receiveCount);
  add('outcome', entry.outcome);
  add('position', entry.position);
  add('sequence number', entry.sequenceNumber);
  add('metadata', entry.metadata, (v: unknown) => pretty(v));
  add('details', entry.details, (v: unknown) => pretty(v));
  return h('dl', { class: 'entry-details' }, ...rows.flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, value)]));
}

function item(entry: HistoryEntry, showKey: boolean): HTMLElement {
  const kind = entry.type === 'UsageRejected' ? 'rejected' : entry.type === 'UsageReversed' ? 'reversed' : '';
  return h(
    'li',
    {
      class: `entry ${kind}`.trim(),
      'data-type': entry.type,
      'data-position': entry.position,
      'data-rejection-id': entry.rejectionId,
      'data-amount': entry.amount,
    },
    h(
      'details',
      {},
      h(
        'summary',
        {},
        time(entry.recordedAt),
        ' ',
        h('span', { class: 'type' }, entry.type),
        ' ',
        // plain text: a link inside <summary> would nest one control in another (axe: nested-interactive)
        showKey ? h('span', { class: 'key' }, entry.entitlementKey) : null,
        showKey ? ' ' : null,
        h('span', { class: 'what' }, ...summary(entry)),
      ),
      details(entry, showKey),
    ),
  );
}

export interface TimelineOptions {
  userId: string;
  /** Only this entitlement's history; absent: every entitlement of the user, each entry naming its key. */
  entitlementKey?: string;
  signal: AbortSignal;
}

/**
 * History newest first, a page at a time with the API's cursor ("Older entries"), filtered by type. Rejections are in
 * the flow with their reason; every entry opens to its metadata, message id and dedup key.
 */
export function timeline(options: TimelineOptions): { element: HTMLElement; reload: () => Promise<void> } {
  const list = h('ol', { class: 'timeline', 'aria-live': 'polite' });
  const status = h('p', { class: 'hint timeline-status' });
  const more = h('button', { type: 'button', class: 'secondary more' }, 'Older entries');
  const failure = h('div', {});
  const boxes = HISTORY_TYPES.map((type) => {
    const id = `type-${type}`;
    const box = h('input', { type: 'checkbox', id, name: 'types', value: type });
    return { type, box, label: h('label', { for: id, class: 'type-choice' }, box, ` ${type}`) };
  });
  const filter = h(
    'fieldset',
    { class: 'type-filter' },
    h('legend', {}, 'Types (none ticked: all)'),
    ...boxes.map((b) => b.label),
  );
  let cursor: string | null = null;
  let generation = 0;

  async function load(reset: boolean): Promise<void> {
    const mine = reset ? ++generation : generation;
    failure.replaceChildren();
    more.disabled = true;
    try {
      const page = await historyPage({
        userId: options.userId,
        entitlementKey: options.entitlementKey,
        types: boxes.filter((b) => b.box.checked).map((b) => b.type),
        limit: TIMELINE_PAGE,
        cursor: reset ? null : cursor,
        signal: options.signal,
      });
      if (mine !== generation) {
        return;
      }
      if (reset) {
        list.replaceChildren();
      }
      list.append(...page.entries.map((entry) => item(entry, !options.entitlementKey)));
      cursor = page.nextCursor;
      more.hidden = cursor === null;
      status.textContent =
        list.childElementCount === 0 ? 'No history.' : `${list.childElementCount} entries${cursor ? '' : ', all shown'}.`;
    } catch (error) {
      if (!options.signal.aborted) {
        failure.replaceChildren(problemView(error));
      }
    } finally {
      more.disabled = false;
    }
  }

  more.addEventListener('click', () => void load(false));
  filter.addEventListener('change', () => void load(true));
  const element = h(
    'section',
    { class: 'timeline-section', 'aria-labelledby': 'timeline-title' },
    h('h2', { id: 'timeline-title' }, options.entitlementKey ? 'History' : 'Timeline'),
    filter,
    failure,
    list,
    status,
    more,
  );
  return { element, reload: () => load(true) };
}
