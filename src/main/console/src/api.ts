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

export async function get<T>(path: string): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const value = authorization();
  if (value) {
    headers.Authorization = value;
  }
  const response = await fetch(path, { headers });
  if (!response.ok) {
    throw await problem(response);
  }
  return (await response.json()) as T;
}

export function userEntitlements(userId: string): Promise<Entitlement[]> {
  return get<Entitlement[]>(`/api/v1/users/${encodeURIComponent(userId)}/entitlements`);
}
