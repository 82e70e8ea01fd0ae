import type { Caller } from './caller';

/**
 * What every page gets: who is signed in, and a signal that aborts when the person leaves the page (polling and
 * pending calls stop with it).
 */
export interface PageContext {
  caller: Caller;
  signal: AbortSignal;
}

/** A page renders itself into an element; it may keep updating that element until the signal aborts. */
export type Page = (context: PageContext) => Promise<HTMLElement>;
