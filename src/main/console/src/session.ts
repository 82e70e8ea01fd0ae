/**
 * Who the console acts as. A sign-in method turns what the person enters into an Authorization header value; the API
 * client asks only for that header, so a JWT sign-in (an OIDC redirect that yields a bearer JWT) is one more method,
 * not a rewrite. The credential lives in sessionStorage: it ends with the tab and is never written to disk by us.
 */
export interface Credential {
  /** How the person signed in: 'token' (a pasted API token) today; 'jwt' later. */
  method: 'token';
  /** The bearer value sent as Authorization: Bearer <bearer>. */
  bearer: string;
}

const KEY = 'ledger.console.credential';

export function current(): Credential | null {
  const stored = sessionStorage.getItem(KEY);
  if (!stored) {
    return null;
  }
  try {
    const credential = JSON.parse(stored) as Credential;
    return credential.bearer ? credential : null;
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}

export function signIn(credential: Credential): void {
  sessionStorage.setItem(KEY, JSON.stringify(credential));
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

export function authorization(): string | null {
  const credential = current();
  return credential ? `Bearer ${credential.bearer}` : null;
}
