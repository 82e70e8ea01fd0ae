import '../operations/operations.css';
import { h } from '../dom';
import { auditSection } from '../operations/audit';
import { deadLettersSection } from '../operations/dead-letters';
import { driftSection } from '../operations/drift';
import { projectionsSection } from '../operations/projections';
import { isForbidden } from '../operations/shared';
import type { PageContext } from '../page';
import { problemView } from '../problems';

/**
 * The operations page (ADMIN): projection status refreshed every few seconds, drift, rebuild with a confirmation and
 * its progress, dead letters with redrive, and the admin audit trail. The API decides who may: the page asks for the
 * projection status first, and a 403 there shows "Your role may not do this." with the problem's code, and nothing
 * else is asked.
 */
export async function operationsPage(context: PageContext): Promise<HTMLElement> {
  const { signal } = context;
  const heading = h('h1', { id: 'operations-title' }, 'Operations');
  const audit = auditSection(signal);
  const projections = projectionsSection(signal, () => void audit.reload());
  const deadLetters = deadLettersSection(signal, () => void audit.reload());
  try {
    await projections.load();
  } catch (error) {
    if (isForbidden(error)) {
      return h('section', { class: 'operations', 'aria-labelledby': 'operations-title' }, heading, problemView(error));
    }
    throw error;
  }
  await Promise.all([deadLetters.reload(), audit.reload()]);
  void projections.poll();
  return h(
    'section',
    { class: 'operations', 'aria-labelledby': 'operations-title' },
    heading,
    projections.element,
    driftSection(signal),
    deadLetters.element,
    audit.element,
  );
}
