import './style.css';
import { SignInRequired } from './api';
import { h } from './dom';
import { findUserPage } from './pages/find';
import { signInPage } from './pages/signin';
import { userPage } from './pages/user';
import { problemView } from './problems';
import { current, signOut } from './session';

/** Routes live in the hash (#/users/u-1), so the service serves one index.html and needs no fallback route. */
const page = document.getElementById('page') as HTMLElement;
const who = document.getElementById('who') as HTMLElement;
let signInMessage: string | null = null;

function show(content: HTMLElement): void {
  page.replaceChildren(content);
}

function header(): void {
  const credential = current();
  if (!credential) {
    who.replaceChildren();
    return;
  }
  const out = h('button', { type: 'button', class: 'link' }, 'Sign out');
  out.addEventListener('click', () => {
    signOut();
    location.hash = '#/sign-in';
  });
  who.replaceChildren(h('span', {}, 'Signed in with a token'), ' ', out);
}

async function route(): Promise<void> {
  const hash = location.hash || '#/';
  header();
  if (hash.startsWith('#/sign-in')) {
    const next = new URLSearchParams(hash.split('?')[1] ?? '').get('next') ?? '#/';
    show(signInPage(signInMessage, next));
    signInMessage = null;
    return;
  }
  if (!current()) {
    location.hash = `#/sign-in?next=${encodeURIComponent(hash)}`;
    return;
  }
  const user = /^#\/users\/([^/?]+)$/.exec(hash);
  try {
    if (user) {
      show(h('p', { class: 'loading', 'aria-busy': 'true' }, 'Loading…'));
      show(await userPage(decodeURIComponent(user[1])));
    } else {
      show(findUserPage());
    }
  } catch (error) {
    if (error instanceof SignInRequired) {
      signOut();
      signInMessage = `Sign in again: ${error.code}: ${error.detail}`;
      location.hash = `#/sign-in?next=${encodeURIComponent(hash)}`;
      return;
    }
    show(problemView(error));
  }
}

window.addEventListener('hashchange', () => void route());
void route();
