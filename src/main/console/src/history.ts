import { get, segment } from './api';

/** One line of history as GET …/history answers it (README "Usage history and export"); absent fields do not apply. */
export interface HistoryEntry {
  type: string;
  position?: number;
  rejectionId?: number;
  userId: string;
  entitlementKey: string;
  sequenceNumber?: number;
  occurredAt?: string;
  recordedAt: string;
  amount?: number;
  periodStart?: string;
  periodEnd?: string;
  usedAfter?: number;
  limit?: number;
  late?: boolean;
  dedupKey?: string;
  messageId?: string;
  metadata?: Record<string, unknown>;
  details?: Record<string, unknown>;
  reasonCode?: string;
  reasonDetail?: string;
  receiveCount?: number;
  outcome?: string;
  reversalOf?: string;
  reason?: string;
  caller?: string;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  nextCursor: string | null;
}

/** Every type the history answers, in the API's words. */
export const HISTORY_TYPES = [
  'UsageConsumed',
  'UsageRejected',
  'UsageReversed',
  'PeriodReset',
  'EntitlementGranted',
  'EntitlementImported',
  'UsagePolicyChanged',
  'EntitlementActivated',
  'EntitlementDeactivated',
] as const;

export interface HistoryQuery {
  userId: string;
  /** One entitlement's history; absent: all of the user's. */
  entitlementKey?: string;
  /** Empty: every type. */
  types?: readonly string[];
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string | null;
  signal?: AbortSignal;
}

/** One page, newest first. */
export function historyPage(query: HistoryQuery): Promise<HistoryPage> {
  const path = query.entitlementKey
    ? `/api/v1/entitlements/${segment(query.userId)}/${segment(query.entitlementKey)}/history`
    : `/api/v1/users/${segment(query.userId)}/history`;
  return get<HistoryPage>(path, {
    query: {
      types: query.types && query.types.length > 0 ? query.types.join(',') : undefined,
      from: query.from,
      to: query.to,
      limit: query.limit,
      cursor: query.cursor,
    },
    signal: query.signal,
  });
}

/** Every page of a query, newest first (for the chart: a few windows of one entitlement). */
export async function allHistory(query: HistoryQuery): Promise<HistoryEntry[]> {
  const entries: HistoryEntry[] = [];
  let cursor: string | null | undefined = undefined;
  do {
    const page: HistoryPage = await historyPage({ ...query, limit: query.limit ?? 1000, cursor });
    entries.push(...page.entries);
    cursor = page.nextCursor;
  } while (cursor);
  return entries;
}
