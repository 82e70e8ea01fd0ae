import { h } from '../dom';
import type { PageContext } from '../page';

/** The operations page (ADMIN): projections, drift, rebuild, dead letters and the audit trail. */
export async function operationsPage(_context: PageContext): Promise<HTMLElement> {
  return h('section', { class: 'operations' }, h('h1', {}, 'Operations'));
}
