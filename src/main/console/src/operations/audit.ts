import { get } from '../api';
import { h, time } from '../dom';
import { cell, headerRow, orDash, showProblem } from './shared';
import type { AuditEntry, AuditPage } from './types';

export const AUDIT_PATH = '/api/v1/admin/audit';
/** Entries per page of the trail. */
export const AUDIT_PAGE = 20;

function target(entry: AuditEntry): Node {
  const parts: Array<Node | string> = [];
  if (entry.userId) {
    parts.push(h('span', { class: 'audit-entitlement' }, entry.entitlementKey ? `${entry.userId} / ${entry.entitlementKey}` : entry.userId));
  }
  if (entry.target) {
    if (parts.length) {
      parts.push(h('br'));
    }
    parts.push(h('span', { class: 'audit-target' }, entry.target));
  }
  return parts.length ? h('span', {}, ...parts) : document.createTextNode('—');
}

function row(entry: AuditEntry): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-id': entry.id, 'data-action': entry.action, 'data-status': entry.status, class: entry.status >= 400 ? 'refused' : undefined },
    cell(time(entry.at), 'at'),
    cell(entry.caller, 'caller'),
    cell(orDash(entry.role), 'role'),
    cell(h('code', {}, entry.action), 'action'),
    cell(target(entry), 'target'),
    cell(orDash(entry.reason), 'reason'),
    cell(h('span', { title: entry.requestId ? `request ${entry.requestId}` : undefined }, String(entry.status)), 'num status'),
  );
}

export interface AuditSection {
  element: HTMLElement;
  reload: () => Promise<void>;
}

/** The admin audit trail, newest first, a page at a time with the API's cursor ("Older entries"). */
export function auditSection(signal: AbortSignal): AuditSection {
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'ops-table audit-table' },
    h('caption', { class: 'visually-hidden' }, 'Admin requests, newest first'),
    h(
      'colgroup',
      {},
      h('col', { class: 'col-at' }),
      h('col', { class: 'col-caller' }),
      h('col', { class: 'col-role' }),
      h('col', { class: 'col-action' }),
      h('col', { class: 'col-target' }),
      h('col', { class: 'col-reason' }),
      h('col', { class: 'col-status' }),
    ),
    headerRow('Time', 'Caller', 'Role', 'Action', 'Target', 'Reason', 'Status'),
    body,
  );
  const status = h('p', { class: 'hint audit-status' });
  const failure = h('div', {});
  const more = h('button', { type: 'button', class: 'secondary more', hidden: true }, 'Older entries');
  const reloadButton = h('button', { type: 'button', class: 'secondary' }, 'Reload');
  let cursor: string | null = null;
  let generation = 0;

  async function load(reset: boolean): Promise<void> {
    const mine = reset ? ++generation : generation;
    failure.replaceChildren();
    more.disabled = true;
    try {
      const page = await get<AuditPage>(AUDIT_PATH, { query: { limit: AUDIT_PAGE, cursor: reset ? undefined : cursor }, signal });
      if (mine !== generation) {
        return;
      }
      if (reset) {
        body.replaceChildren();
      }
      body.append(...page.entries.map(row));
      cursor = page.nextCursor;
      more.hidden = cursor === null;
      table.hidden = body.childElementCount === 0;
      status.textContent =
        body.childElementCount === 0
          ? 'No admin requests yet.'
          : `${body.childElementCount} ${body.childElementCount === 1 ? 'entry' : 'entries'}${cursor ? '' : ', all shown'}.`;
    } catch (error) {
      showProblem(failure, error, signal);
    } finally {
      more.disabled = false;
    }
  }

  more.addEventListener('click', () => void load(false));
  reloadButton.addEventListener('click', () => void load(true));
  const element = h(
    'section',
    { class: 'ops-section audit', 'aria-labelledby': 'audit-title' },
    h('h2', { id: 'audit-title' }, 'Admin audit trail'),
    h('p', { class: 'hint' }, 'Every admin request, whatever its outcome, newest first.'),
    h('div', { class: 'actions' }, reloadButton),
    failure,
    table,
    status,
    more,
  );
  return { element, reload: () => load(true) };
}
