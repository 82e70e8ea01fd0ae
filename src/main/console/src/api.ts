import { authorization } from './session';

/** An RFC 9457 problem as the ledger writes it: every error carries a stable code and a detail. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly title: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

/** Thrown for a 401: the console returns to sign-in with this message. */
export class SignInRequired extends Problem {}

export interface Usage {
  limit: number;
  period: string;
  anchor: string;
  overLimit: 'REJECT' | 'RECORD_OVERAGE' | string;
  used: number;
  periodStart: string;
  periodEnd: string;
}

export interface Entitlement {
  userId: string;
  entitlementKey: string;
  active: boolean;
  usage: Usage | null;
  version: number;
}

async function problem(response: Response): Promise<Problem> {
  const type = response.headers.get('Content-Type') ?? '';
  if (type.includes('json')) {
    const body = (await response.json()) as Partial<Record<'code' | 'detail' | 'title', string>>;
    const Kind = response.status === 401 ? SignInRequired : Problem;
    return new Kind(
      response.status,
      body.code ?? `HTTP_${response.status}`,
      body.detail ?? response.statusText,
      body.title ?? response.statusText,
    );
  }
  const Kind = response.status === 401 ? SignInRequired : Problem;
  return new Kind(response.status, `HTTP_${response.status}`, response.statusText || 'no details', response.statusText);
}

export interface RequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Query parameters; undefined and empty values are left out. */
  query?: Record<string, string | number | boolean | undefined | null>;
  signal?: AbortSignal;
}

/** The path with its query string. */
export function withQuery(path: string, query: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') {
      params.set(name, String(value));
    }
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * One call to the ledger's API with the signed-in credential. A non-2xx answer is thrown as a Problem (a 401 as
 * SignInRequired); a 204 or an empty body resolves to undefined.
 */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...(options.headers ?? {}) };
  const value = authorization();
  if (value) {
    headers.Authorization = value;
  }
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(withQuery(path, options.query), { method, headers, body, signal: options.signal });
  if (!response.ok) {
    throw await problem(response);
  }
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export function get<T>(path: string, options: RequestOptions = {}): Promise<T> {
  return request<T>('GET', path, options);
}

export function post<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  return request<T>('POST', path, { ...options, body });
}

/** The path segment of an id, encoded. */
export const segment = encodeURIComponent;

export function userEntitlements(userId: string): Promise<Entitlement[]> {
  return get<Entitlement[]>(`/api/v1/users/${encodeURIComponent(userId)}/entitlements`);
}
