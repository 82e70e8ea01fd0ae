import { h } from '../dom';

export function userHash(userId: string): string {
  return `#/users/${encodeURIComponent(userId)}`;
}

/** Enter a userId and go to the user's page. */
export function findUserPage(): HTMLElement {
  const userId = h('input', { id: 'user-id', name: 'userId', required: true, autocomplete: 'off', spellcheck: 'false' });
  const form = h(
    'form',
    { class: 'find-user', role: 'search', 'aria-labelledby': 'find-title' },
    h('h1', { id: 'find-title' }, 'Find a user'),
    h('label', { for: 'user-id' }, 'User id'),
    userId,
    h('button', { type: 'submit' }, 'Open'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = userId.value.trim();
    if (id) {
      location.hash = userHash(id);
    }
  });
  queueMicrotask(() => userId.focus());
  return form;
}
