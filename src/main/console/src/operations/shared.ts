import { Problem, SignInRequired } from '../api';
import { h } from '../dom';
import { problemView } from '../problems';

/** Waits `ms`, or less when the signal aborts (the person left the page). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = window.setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      window.clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * Shows an error of an action or a poll in `where` (through problemView, with the problem's code and detail). A 401 is
 * thrown on, so that main.ts returns to sign-in; an abort because the person left the page shows nothing.
 */
export function showProblem(where: HTMLElement, error: unknown, signal: AbortSignal): void {
  if (error instanceof SignInRequired) {
    throw error;
  }
  if (signal.aborted) {
    return;
  }
  where.replaceChildren(problemView(error));
}

export function isForbidden(error: unknown): boolean {
  return error instanceof Problem && error.status === 403;
}

/** A label only a screen reader reads (checkboxes in a table whose row says what they select). */
export function hiddenLabel(forId: string, text: string): HTMLLabelElement {
  return h('label', { for: forId, class: 'visually-hidden' }, text);
}

/** A value the API may leave out, shown as a dash. */
export function orDash(value: string | number | null | undefined): string {
  return value === null || value === undefined || value === '' ? '—' : String(value);
}

export function cell(content: Node | string, className?: string): HTMLTableCellElement {
  return h('td', { class: className }, content);
}

export function headerRow(...names: Array<string | Node>): HTMLTableSectionElement {
  return h('thead', {}, h('tr', {}, ...names.map((name) => h('th', { scope: 'col' }, name))));
}
