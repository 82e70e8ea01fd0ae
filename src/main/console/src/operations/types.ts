/** The shapes of the admin API's answers, as the README's "Projections admin", "Dead letters" and audit sections say. */

/** GET /api/v1/admin/projections: one per projection, cluster-wide, from the token store. */
export interface ProjectionStatus {
  projection: string;
  processor: string;
  /** RUNNING, REPLAYING, REBUILDING, RESETTING, ERROR or STOPPED */
  state: string;
  position: number;
  head: number;
  lagEvents: number;
  lagSeconds: number;
  replaying: boolean;
  replayProgressPercent: number | null;
  generation: number;
  segments: number;
  claimedSegments: number;
}

export interface ProjectionStatuses {
  projections: ProjectionStatus[];
}

/** POST /api/v1/admin/projections/{p}/rebuild answers 202 with this. */
export interface RebuildStarted {
  projection: string;
  processor: string;
  generation: number;
  status: string;
}

export interface FieldDiff {
  expected: string | null;
  actual: string | null;
}

/** One difference between the DynamoDB table and the events. */
export interface Drift {
  kind: 'MISSING' | 'EXTRA' | 'DIFFERENT' | string;
  userId: string;
  entitlementKey: string;
  fields: Record<string, FieldDiff>;
}

export interface DriftReport {
  checked: number;
  drift: Drift[];
  truncated: boolean;
  clean?: boolean;
}

export interface DeadLetter {
  messageId: string;
  originalMessageId: string;
  body: string;
  receiveCount: number;
  reasonCode: string | null;
  reasonDetail: string | null;
  sentAt: string | null;
  /** null: the body is not a valid usage message */
  counted: boolean | null;
}

export interface DeadLetterList {
  count: number;
  messages: DeadLetter[];
}

export interface RedriveResult {
  moved: number;
  notFound: string[];
}

export interface AuditEntry {
  id: number;
  at: string;
  caller: string;
  role: string | null;
  action: string;
  userId: string | null;
  entitlementKey: string | null;
  target: string | null;
  reason: string | null;
  requestId: string | null;
  status: number;
}

export interface AuditPage {
  entries: AuditEntry[];
  nextCursor: string | null;
}
