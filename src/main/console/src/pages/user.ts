import { type Entitlement, type Usage, userEntitlements } from '../api';
import { h, time } from '../dom';
import type { PageContext } from '../page';
import { timeline } from '../timeline';

/** Set through the CSSOM: the console's Content-Security-Policy allows no inline style attributes. */
function fill(share: number): HTMLElement {
  const element = h('div', { class: 'fill' });
  element.style.width = `${(share * 100).toFixed(1)}%`;
  return element;
}

/** The usage bar: used / limit, red at the limit, the overage shown when RECORD_OVERAGE let usage pass the limit. */
export function usageBar(usage: Usage): HTMLElement {
  const { used, limit } = usage;
  const share = limit === 0 ? (used > 0 ? 1 : 0) : Math.min(used / limit, 1);
  const atLimit = used >= limit;
  const overage = Math.max(used - limit, 0);
  return h(
    'div',
    { class: 'usage' },
    h(
      'div',
      {
        class: atLimit ? 'bar at-limit' : 'bar',
        role: 'meter',
        'aria-label': 'used of limit',
        'aria-valuemin': 0,
        'aria-valuemax': limit,
        'aria-valuenow': Math.min(used, limit),
        'aria-valuetext': `${used} of ${limit}`,
        'data-used': used,
        'data-limit': limit,
      },
      fill(share),
    ),
    h(
      'p',
      { class: 'figures' },
      h('span', { class: 'used-of-limit' }, `${used} / ${limit}`),
      overage > 0 ? h('span', { class: 'overage' }, ` (overage ${overage})`) : null,
    ),
  );
}

function card(entitlement: Entitlement): HTMLElement {
  const { usage } = entitlement;
  return h(
    'article',
    { class: 'card', 'data-entitlement': entitlement.entitlementKey, 'aria-labelledby': `key-${entitlement.entitlementKey}` },
    h(
      'h2',
      { id: `key-${entitlement.entitlementKey}` },
      h('a', { href: entitlementHash(entitlement.userId, entitlement.entitlementKey) }, entitlement.entitlementKey),
      ' ',
      h('span', { class: entitlement.active ? 'state active' : 'state inactive' }, entitlement.active ? 'active' : 'inactive'),
    ),
    usage
      ? h(
          'dl',
          {},
          h('dt', {}, 'Period'),
          h('dd', {}, usage.period),
          h('dt', {}, 'Window'),
          h('dd', {}, time(usage.periodStart), ' – ', time(usage.periodEnd)),
          h('dt', {}, 'Over the limit'),
          h('dd', {}, usage.overLimit),
        )
      : h('p', { class: 'hint' }, 'No usage tracking.'),
    usage ? usageBar(usage) : null,
  );
}

export function entitlementHash(userId: string, entitlementKey: string): string {
  return `#/users/${encodeURIComponent(userId)}/entitlements/${encodeURIComponent(entitlementKey)}`;
}

/** One card per entitlement of the user, then the user's timeline; an unknown user shows "no entitlements". */
export async function userPage(userId: string, context: PageContext): Promise<HTMLElement> {
  const entitlements = await userEntitlements(userId);
  const history = timeline({ userId, signal: context.signal });
  await history.reload();
  return h(
    'section',
    { class: 'user', 'aria-labelledby': 'user-title' },
    h('h1', { id: 'user-title' }, 'User ', h('code', {}, userId)),
    entitlements.length === 0
      ? h('p', { class: 'empty' }, 'No entitlements.')
      : h('div', { class: 'cards' }, ...entitlements.map(card)),
    entitlements.length === 0 ? null : history.element,
  );
}
