import { get } from '../api';
import { h, time } from '../dom';
import { entitlementHash } from '../pages/user';
import { PROJECTIONS_PATH } from './projections';
import { headerRow, showProblem } from './shared';
import type { Drift, DriftReport } from './types';

export const DRIFT_LIMIT = 1000;

function value(text: string | null): HTMLElement {
  return text === null ? h('span', { class: 'absent' }, 'absent') : h('code', {}, text);
}

function entitlement(drift: Drift): Node {
  const label = `${drift.userId} / ${drift.entitlementKey}`;
  // an EXTRA item has no events: the ledger knows no such entitlement, so there is no page to open
  return drift.kind === 'EXTRA' ? document.createTextNode(label) : h('a', { href: entitlementHash(drift.userId, drift.entitlementKey) }, label);
}

/** One row per differing attribute; MISSING and EXTRA items have one row without attributes. */
function rows(drift: Drift): HTMLTableRowElement[] {
  const fields = Object.entries(drift.fields ?? {});
  const common = { 'data-kind': drift.kind, 'data-user-id': drift.userId, 'data-entitlement-key': drift.entitlementKey };
  if (fields.length === 0) {
    return [
      h(
        'tr',
        common,
        h('td', { class: 'kind' }, h('span', { class: `drift-kind kind-${drift.kind.toLowerCase()}` }, drift.kind)),
        h('td', { class: 'entitlement' }, entitlement(drift)),
        h('td', { class: 'attribute' }, '—'),
        h('td', { class: 'expected' }, drift.kind === 'MISSING' ? 'an item' : 'no item'),
        h('td', { class: 'actual' }, drift.kind === 'MISSING' ? 'no item' : 'an item'),
      ),
    ];
  }
  return fields.map(([attribute, diff], index) =>
    h(
      'tr',
      { ...common, 'data-attribute': attribute, class: index === 0 ? 'first' : 'more' },
      h('td', { class: 'kind' }, index === 0 ? h('span', { class: `drift-kind kind-${drift.kind.toLowerCase()}` }, drift.kind) : ''),
      h('td', { class: 'entitlement' }, index === 0 ? entitlement(drift) : ''),
      h('td', { class: 'attribute' }, h('code', {}, attribute)),
      h('td', { class: 'expected' }, value(diff.expected)),
      h('td', { class: 'actual' }, value(diff.actual)),
    ),
  );
}

/** "Check drift": compares every item of the DynamoDB table with the events and shows the differences. */
export function driftSection(signal: AbortSignal): HTMLElement {
  const button = h('button', { type: 'button' }, 'Check drift');
  const result = h('div', { class: 'drift-result', 'aria-live': 'polite' });

  async function check(): Promise<void> {
    button.disabled = true;
    result.setAttribute('aria-busy', 'true');
    result.replaceChildren(h('p', { class: 'hint' }, 'Checking every item against the events…'));
    try {
      const report = await get<DriftReport>(`${PROJECTIONS_PATH}/dynamodb/drift`, { query: { limit: DRIFT_LIMIT }, signal });
      const checked = h('p', { class: 'drift-checked' }, `Checked ${report.checked} ${report.checked === 1 ? 'entitlement' : 'entitlements'} at `, time(new Date().toISOString()), '.');
      if (report.drift.length === 0) {
        result.replaceChildren(checked, h('p', { class: 'no-drift' }, 'No drift: the table matches the events.'));
      } else {
        result.replaceChildren(
          checked,
          h(
            'p',
            { class: 'drift-summary' },
            `${report.drift.length} ${report.drift.length === 1 ? 'difference' : 'differences'}`,
            report.truncated ? ` (only the first ${DRIFT_LIMIT} are listed)` : '',
            '. A rebuild repairs MISSING and DIFFERENT items; EXTRA items have no events and are deleted by hand.',
          ),
          h(
            'table',
            { class: 'ops-table drift-table' },
            h('caption', { class: 'visually-hidden' }, 'Differences between the table and the events'),
            headerRow('Kind', 'Entitlement (user / key)', 'Attribute', 'Expected (events)', 'Actual (table)'),
            h('tbody', {}, ...report.drift.flatMap(rows)),
          ),
        );
      }
    } catch (error) {
      result.replaceChildren();
      showProblem(result, error, signal);
    } finally {
      button.disabled = false;
      result.removeAttribute('aria-busy');
    }
  }

  button.addEventListener('click', () => void check());
  return h(
    'section',
    { class: 'ops-section drift', 'aria-labelledby': 'drift-title' },
    h('h2', { id: 'drift-title' }, 'Drift of the DynamoDB table'),
    h('p', { class: 'hint' }, 'Compares every item of the entitlements table with the state computed from the events.'),
    button,
    result,
  );
}
