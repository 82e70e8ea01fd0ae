import { get } from './api';

/** Who is signed in, from GET /api/v1/me. The console shows ADMIN's actions only to ADMIN; the API decides anyway. */
export interface Caller {
  name: string;
  roles: Array<'READER' | 'ADMIN' | string>;
}

let known: { bearer: string; caller: Caller } | null = null;

/** Asked once per credential and kept in memory. */
export async function whoAmI(bearer: string): Promise<Caller> {
  if (known?.bearer !== bearer) {
    known = { bearer, caller: await get<Caller>('/api/v1/me') };
  }
  return known.caller;
}

export function forget(): void {
  known = null;
}

export function isAdmin(caller: Caller): boolean {
  return caller.roles.includes('ADMIN');
}
