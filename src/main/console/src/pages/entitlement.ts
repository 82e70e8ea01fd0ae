import { h } from '../dom';
import type { PageContext } from '../page';

/** The entitlement page: usage chart, "why is this balance X", "did this message count?" and ADMIN's actions. */
export async function entitlementPage(userId: string, entitlementKey: string, _context: PageContext): Promise<HTMLElement> {
  return h('section', { class: 'entitlement' }, h('h1', {}, entitlementKey, ' of ', h('code', {}, userId)));
}
