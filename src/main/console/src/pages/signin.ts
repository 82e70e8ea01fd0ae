import { h } from '../dom';
import { signIn } from '../session';

/** Paste a bearer token. The first API call proves it: a 401 comes back here with the message. */
export function signInPage(message: string | null, next: string): HTMLElement {
  const token = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    required: true,
    spellcheck: 'false',
  });
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title' }, 'Sign in'),
    message ? h('p', { class: 'problem', role: 'alert' }, message) : null,
    h('label', { for: 'token' }, 'API token'),
    token,
    h('p', { class: 'hint' }, 'The token is kept in this browser tab only and sent as Authorization: Bearer.'),
    h('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const bearer = token.value.trim();
    if (bearer) {
      signIn({ method: 'token', bearer });
      location.hash = next;
    }
  });
  queueMicrotask(() => token.focus());
  return form;
}
