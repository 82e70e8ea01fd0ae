import { Problem } from './api';
import { h } from './dom';

/** Every error is shown with the problem's code and detail. */
export function problemView(error: unknown): HTMLElement {
  if (error instanceof Problem) {
    const message =
      error.status === 403 ? 'Your role may not do this.' : error.title || `The request failed (${error.status}).`;
    return h(
      'div',
      { class: 'problem', role: 'alert' },
      h('p', {}, message),
      h('p', {}, h('code', { class: 'problem-code' }, error.code), ' ', h('span', { class: 'problem-detail' }, error.detail)),
    );
  }
  const text = error instanceof Error ? error.message : String(error);
  return h('div', { class: 'problem', role: 'alert' }, h('p', {}, 'The service could not be reached.'), h('p', {}, text));
}
