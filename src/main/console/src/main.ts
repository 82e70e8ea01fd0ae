import './style.css';
import { SignInRequired } from './api';
import { type Caller, forget, isAdmin, whoAmI } from './caller';
import { h } from './dom';
import type { PageContext } from './page';
import { entitlementPage } from './pages/entitlement';
import { findUserPage } from './pages/find';
import { operationsPage } from './pages/operations';
import { signInPage } from './pages/signin';
import { userPage } from './pages/user';
import { problemView } from './problems';
import { current, signOut } from './session';

/**
 * Routes live in the hash, so the service serves one index.html and needs no fallback route:
 * #/ (find a user), #/users/{userId}, #/users/{userId}/entitlements/{key}, #/operations, #/sign-in?next=…
 */
const page = document.getElementById('page') as HTMLElement;
const who = document.getElementById('who') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
let signInMessage: string | null = null;
let leaving = new AbortController();

/** Shows a page and moves focus to it, so a screen reader announces it and Tab goes on from its top. */
function show(content: HTMLElement): void {
  page.replaceChildren(content);
  if (!content.classList.contains('loading')) {
    page.focus({ preventScroll: true });
  }
  const heading = content.querySelector('h1');
  if (heading) {
    document.title = `${heading.textContent} · Ledger support console`;
  }
}

function header(caller: Caller | null): void {
  if (!caller) {
    who.replaceChildren();
    nav.replaceChildren();
    return;
  }
  const out = h('button', { type: 'button', class: 'link' }, 'Sign out');
  out.addEventListener('click', () => {
    signOut();
    forget();
    location.hash = '#/sign-in';
  });
  who.replaceChildren(
    h('span', { class: 'caller' }, 'Signed in as ', h('strong', {}, caller.name), ` (${isAdmin(caller) ? 'ADMIN' : 'READER'})`),
    ' ',
    out,
  );
  nav.replaceChildren(h('a', { href: '#/' }, 'Find a user'));
  if (isAdmin(caller)) {
    nav.append(h('a', { href: '#/operations' }, 'Operations'));
  }
}

function toSignIn(hash: string, message: string | null): void {
  signOut();
  forget();
  signInMessage = message;
  location.hash = `#/sign-in?next=${encodeURIComponent(hash)}`;
}

async function route(): Promise<void> {
  leaving.abort();
  leaving = new AbortController();
  const signal = leaving.signal;
  const hash = location.hash || '#/';
  if (hash.startsWith('#/sign-in')) {
    header(null);
    const next = new URLSearchParams(hash.split('?')[1] ?? '').get('next') ?? '#/';
    show(signInPage(signInMessage, next));
    signInMessage = null;
    return;
  }
  const credential = current();
  if (!credential) {
    toSignIn(hash, null);
    return;
  }
  try {
    show(h('p', { class: 'loading', 'aria-busy': 'true' }, 'Loading…'));
    const caller = await whoAmI(credential.bearer);
    header(caller);
    const context: PageContext = { caller, signal };
    const entitlement = /^#\/users\/([^/?]+)\/entitlements\/([^/?]+)$/.exec(hash);
    const user = /^#\/users\/([^/?]+)$/.exec(hash);
    let content: HTMLElement;
    if (entitlement) {
      content = await entitlementPage(decodeURIComponent(entitlement[1]), decodeURIComponent(entitlement[2]), context);
    } else if (user) {
      content = await userPage(decodeURIComponent(user[1]), context);
    } else if (hash === '#/operations') {
      content = await operationsPage(context);
    } else {
      content = findUserPage();
    }
    if (!signal.aborted) {
      show(content);
    }
  } catch (error) {
    if (error instanceof SignInRequired) {
      toSignIn(hash, `Sign in again: ${error.code}: ${error.detail}`);
      return;
    }
    if (!signal.aborted) {
      show(problemView(error));
    }
  }
}

/** A 401 from any call a page makes later (an action, polling) also returns to sign-in. */
window.addEventListener('unhandledrejection', (event) => {
  if (event.reason instanceof SignInRequired) {
    event.preventDefault();
    toSignIn(location.hash, `Sign in again: ${event.reason.code}: ${event.reason.detail}`);
  }
});
window.addEventListener('hashchange', () => void route());
void route();
