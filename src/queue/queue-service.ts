import type { Executor } from '../db/client.ts';
import { type StaffItem, toStaffItem } from '../requests/staff-item.ts';
import type { Status } from '../requests/transitions.ts';
import type { StaffIdentity } from '../staff/staff-service.ts';
import { countQueue, listQueuePage, listStaffNames, type QueueFilter, type StaffName } from './queue-repo.ts';
import { allStatuses, encodeCursor, openStatuses, type QueueQuery } from './queue-schemas.ts';

export type QueueDeps = { db: Executor; now: () => Date };
export type QueuePage = { items: StaffItem[]; nextCursor: string | null };
export type QueueCounts = {
  /** Every status, with 0 where there are none. */
  byStatus: Record<Status, number>;
  open: number;
  /** Open requests whose safe due date has passed. */
  overdue: number;
  /** Open requests whose safe due date is today or within the next three days. */
  dueSoon: number;
  today: string;
};

export const defaultLimit = 50;
const soonDays = 3;

/**
 * "Today" for overdue and due-soon is the UTC date of `now`. Each request's deadline is a local date
 * in its law's time zone, so near midnight this can be a few hours early or late (UTC is ahead of
 * the Americas, behind Asia); safeDueBy is already the conservative date, so that slack is accepted.
 */
export function queueDates(now: Date): { today: string; soonUntil: string } {
  const day = 24 * 3600 * 1000;
  const today = now.toISOString().slice(0, 10);
  const soonUntil = new Date(Date.parse(`${today}T00:00:00Z`) + soonDays * day).toISOString().slice(0, 10);
  return { today, soonUntil };
}

// No status filter means the open queue, except for a search (a reference or email is looked up
// whatever its status). `open` and `all` are shorthands; `overdue` only ever concerns open requests.
function statusesFor(query: QueueQuery): Status[] | undefined {
  const asked = query.status ?? (query.q ? ['all' as const] : ['open' as const]);
  let statuses: Status[] | undefined = asked.includes('all')
    ? undefined
    : [...new Set(asked.flatMap((s) => (s === 'open' ? openStatuses : s === 'all' ? [] : [s])))];
  if (query.overdue) statuses = (statuses ?? [...openStatuses]).filter((s) => openStatuses.includes(s));
  return statuses;
}

export function queueFilter(query: QueueQuery, staff: StaffIdentity, today: string): QueueFilter {
  const assignee = query.assignee === 'me' ? staff.id : query.assignee === 'none' ? null : query.assignee;
  const statuses = statusesFor(query);
  return {
    ...(statuses ? { statuses } : {}),
    ...(query.type ? { types: query.type } : {}),
    ...(query.law ? { laws: query.law } : {}),
    ...(assignee !== undefined ? { assignee } : {}),
    ...(query.overdue === true ? { dueBefore: today } : {}),
    ...(query.overdue === false ? { notDueBefore: today } : {}),
    ...(query.q ?? {}),
  };
}

/**
 * GET /api/v1/staff/requests: one query for the page (limit + 1 rows tell whether there is a next
 * one). Items carry no subject data whatever the role, so support and DPO get the same JSON.
 */
export async function listQueue(
  deps: QueueDeps,
  staff: StaffIdentity,
  query: QueueQuery,
): Promise<QueuePage> {
  const filter = queueFilter(query, staff, queueDates(deps.now()).today);
  if (filter.statuses?.length === 0) return { items: [], nextCursor: null };
  const limit = query.limit ?? defaultLimit;
  const rows = await listQueuePage(deps.db, filter, query.cursor, limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toStaffItem),
    nextCursor: rows.length > limit && last ? encodeCursor({ safeDueBy: last.safeDueBy, id: last.id }) : null,
  };
}

/** GET /api/v1/staff/requests/counts: one GROUP BY query. */
export async function queueCounts(deps: QueueDeps): Promise<QueueCounts> {
  const { today, soonUntil } = queueDates(deps.now());
  const rows = await countQueue(deps.db, today, soonUntil);
  const byStatus = Object.fromEntries(allStatuses.map((s) => [s, 0])) as Record<Status, number>;
  const counts: QueueCounts = { byStatus, open: 0, overdue: 0, dueSoon: 0, today };
  for (const row of rows) {
    byStatus[row.status] = row.total;
    if (!openStatuses.includes(row.status)) continue;
    counts.open += row.total;
    counts.overdue += row.overdue;
    counts.dueSoon += row.dueSoon;
  }
  return counts;
}

export type QueueView = QueuePage & { counts: QueueCounts; staffNames: StaffName[]; today: string };

/** Everything the queue page shows: three queries whatever the page size (items, counts, staff). */
export async function loadQueueView(
  deps: QueueDeps,
  staff: StaffIdentity,
  query: QueueQuery,
): Promise<QueueView> {
  const page = await listQueue(deps, staff, query);
  const counts = await queueCounts(deps);
  const staffNames = await listStaffNames(deps.db);
  return { ...page, counts, staffNames, today: counts.today };
}
