// The contract every data-source connector (postgres, http, builtin) implements. The task runner
// only speaks this; what a source is and how it is reached stays inside its connector.

export type FulfilmentAction = 'access' | 'erase' | 'rectify' | 'opt_out';

export type Subject = { email: string; name?: string | null };

/** A correction staff accepted (possibly edited): `field` names a source field, `value` the new text. */
export type Correction = { field: string; value: string };

export type EraseOutcome = 'delete' | 'null' | 'hash' | 'redact' | 'retain';

/** What happened (or, in a plan, would happen) to one field of one collection. */
export type FieldOutcome = {
  collection: string;
  field: string;
  category: string;
  outcome: EraseOutcome;
  /** Rows of the subject's this applies to. */
  rows: number;
  /** For retain: the legal basis and the period, said to the subject in the completion email. */
  basis?: string;
  period?: string;
};

export type CollectionReceipt = {
  collection: string;
  /** Rows of the subject's found. */
  found: number;
  deleted?: number;
  /** Rows whose fields were nulled, hashed or redacted. */
  masked?: number;
  /** Rows changed by rectification or opt-out. */
  updated?: number;
  /** Rows kept untouched because a field is held under a legal basis. */
  retained?: number;
};

/** What a finished task reports; stored on the task and summarised in the completion email. */
export type Receipt = {
  collections: CollectionReceipt[];
  fields: FieldOutcome[];
  /** For http sources: the receipt body the system answered with, as it gave it (parsed by zod). */
  external?: Record<string, unknown>;
  /** One human line, e.g. "3 rows deleted, 1 kept (tax law, 5 years)". */
  summary: string;
};

/** Where an access task writes what it finds, in batches, so a big subject never sits in memory whole. */
export interface RecordSink {
  write(collection: string, rows: Record<string, unknown>[]): Promise<void>;
}

export type TaskContext = {
  taskId: string;
  requestId: string;
  reference: string;
  action: FulfilmentAction;
  subject: Subject;
  /** Accepted corrections only (rectify). */
  corrections: Correction[];
  /** Access only. The runner empties it before each attempt, so a retried task never doubles rows. */
  records: RecordSink;
  now: Date;
};

export type ConnectorResult =
  | { state: 'done'; receipt: Receipt }
  /** An http source answered 202: the task waits for its signed callback. */
  | { state: 'waiting' };

export type ErasurePlan = {
  source: string;
  kind: Connector['kind'];
  fields: FieldOutcome[];
  /** Things the plan cannot count, e.g. "asks the newsletter system to erase; it holds contact, marketing". */
  notes: string[];
};

export type RectificationChange = {
  source: string;
  collection: string;
  /** The row's primary key as text. */
  row: string;
  field: string;
  current: string | null;
  proposed: string;
  /** False: the field matched but the source does not allow changing it; shown, never applied. */
  rectifiable: boolean;
  /** Index of the subject's correction this change comes from. */
  correction: number;
};

export interface Connector {
  readonly name: string;
  readonly kind: 'postgres' | 'http' | 'builtin';
  /** Whether this source has anything to do for the action (e.g. opt_out only with a consent column). */
  supports(action: FulfilmentAction): boolean;
  /** Checks configured identifiers against the live schema; throws SourceCheckError naming the path. */
  check(): Promise<void>;
  /** Carries the action out. Must be idempotent: a crash after the source committed reruns it. */
  run(ctx: TaskContext): Promise<ConnectorResult>;
  /** The erasure dry run: counts per field what would be deleted, masked or kept, changing nothing. */
  planErasure(subject: Subject): Promise<ErasurePlan>;
  /** Current values against the subject's corrections (all of them, decided or not). */
  rectificationDiff(subject: Subject, corrections: readonly Correction[]): Promise<RectificationChange[]>;
  close(): Promise<void>;
}

/** A configured identifier does not match the live source (missing table or column), or it is unreachable. */
export class SourceCheckError extends Error {
  constructor(
    readonly path: string,
    problem: string,
    readonly unreachable = false,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'SourceCheckError';
  }
}

/** Normalises a correction's field name the way subjects write it: "Display name" → display_name. */
export function normaliseFieldName(field: string): string {
  return field
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}
