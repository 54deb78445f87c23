import { LAW_IDS, REQUEST_TYPES } from '../deadlines/rules.ts';
import type { I18n } from '../i18n/i18n.ts';
import type { StaffItem } from '../requests/staff-item.ts';
import { isOpen } from '../requests/transitions.ts';
import { can } from '../staff/permissions.ts';
import type { StaffIdentity } from '../staff/staff-service.ts';
import type { BulkResult } from './queue-bulk.ts';
import {
  allStatuses,
  openStatuses,
  type QueueQuery,
  queueSearchParams,
  searchText,
} from './queue-schemas.ts';
import { type QueueView, queueDates } from './queue-service.ts';

const shortDate = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });
const day = (value: string | null) => (value ? shortDate.format(new Date(`${value}T12:00:00Z`)) : '—');
const words = (value: string) => value.replace(/[_-]/g, ' ').replace(/^./, (c) => c.toUpperCase());
const typeLabel: Record<string, string> = {
  access: 'Access',
  rectify: 'Rectify',
  erase: 'Erase',
  opt_out: 'Opt-out',
};

export type PageContext = {
  staff: StaffIdentity;
  query: QueueQuery;
  csrf: string;
  i18n: I18n;
  now: Date;
  result?: BulkResult;
  notice?: string;
};

// Overdue and due soon are said in words (a badge), never by colour alone.
function badge(item: StaffItem, today: string, soonUntil: string) {
  if (!isOpen(item.status) || !item.safeDueBy) return undefined;
  if (item.safeDueBy < today) return { text: 'Overdue', kind: 'overdue' };
  if (item.safeDueBy <= soonUntil) return { text: 'Due soon', kind: 'soon' };
  return undefined;
}

const options = (values: readonly string[], chosen: readonly string[] | undefined, label = words) =>
  values.map((value) => ({
    value,
    label: label(value),
    selected: chosen?.length === 1 && chosen[0] === value,
  }));

/** The queue page's template context: rows, badges, counts, the filter form as submitted. */
export function queuePageModel(view: QueueView, ctx: PageContext) {
  const { today, soonUntil } = queueDates(ctx.now);
  const names = new Map(view.staffNames.map((s) => [s.id, s.email]));
  const filters = queueSearchParams(ctx.query);
  const link = (extra: Record<string, string>) => {
    const params = new URLSearchParams(filters);
    for (const [k, v] of Object.entries(extra)) params.set(k, v);
    return `/staff?${params.toString()}`;
  };
  const canAssign = can(ctx.staff.role, 'request.assign');
  const canApprove = can(ctx.staff.role, 'request.approve');
  const status = ctx.query.status;
  // Support has no request page of its own: its masked view is the support desk's lookup.
  const canOpen = can(ctx.staff.role, 'request.view');
  const detailHref = (reference: string) =>
    canOpen ? `/staff/requests/${reference}` : `/staff/support?q=${reference}`;
  // Like the support desk, never echo a typed-in subject address to a role that may not see it.
  const q = ctx.query.q;
  const shownQ = !q || (q.email && !canOpen) ? '' : searchText(q);
  return {
    title: 'Queue',
    staff: ctx.staff,
    reportsNav: can(ctx.staff.role, 'reports.view'),
    csrf: ctx.csrf,
    notice: ctx.notice,
    result: ctx.result && {
      count: ctx.result.succeeded.length,
      total: ctx.result.succeeded.length + ctx.result.failed.length,
      verb: ctx.result.action === 'approve' ? 'approved' : 'assigned to you',
      failed: ctx.result.failed,
    },
    bulk: canAssign || canApprove ? { canAssign, canApprove } : undefined,
    filtersParam: filters.toString(),
    counts: [
      ...openStatuses.map((s) => ({
        label: words(s),
        count: view.counts.byStatus[s],
        href: `/staff?status=${s}`,
      })),
      { label: 'Overdue', count: view.counts.overdue, href: '/staff?overdue=true' },
      { label: 'Due soon', count: view.counts.dueSoon, href: undefined },
    ],
    form: {
      statuses: [
        { value: 'all', label: 'All statuses', selected: status?.includes('all') },
        ...options(allStatuses, status),
      ],
      types: options(REQUEST_TYPES, ctx.query.type, (t) => typeLabel[t] ?? t),
      laws: options(LAW_IDS, ctx.query.law, (l) => l.toUpperCase()),
      assignees: [
        { value: 'me', label: 'Me', selected: ctx.query.assignee === 'me' },
        { value: 'none', label: 'Unassigned', selected: ctx.query.assignee === 'none' },
        ...view.staffNames.map((s) => ({
          value: s.id,
          label: s.email,
          selected: ctx.query.assignee === s.id,
        })),
      ],
      overdue: ctx.query.overdue === true,
      q: shownQ,
    },
    rows: view.items.map((item) => ({
      ...item,
      href: detailHref(item.reference),
      select: `${item.reference}@${item.version}`,
      typeLabel: typeLabel[item.type] ?? item.type,
      lawLabel: item.law.toUpperCase(),
      lawTitle: ctx.i18n.t('en', `law.${item.law}`),
      statusLabel: words(item.status),
      received: day(item.receivedAt.slice(0, 10)),
      safeDue: day(item.safeDueBy),
      due: day(item.dueBy),
      assigneeLabel: !item.assignee
        ? 'Unassigned'
        : item.assignee === ctx.staff.id
          ? 'You'
          : (names.get(item.assignee) ?? 'Another staff member'),
      badge: badge(item, today, soonUntil),
    })),
    nextHref: view.nextCursor ? link({ cursor: view.nextCursor }) : undefined,
    firstHref: ctx.query.cursor ? `/staff?${filters.toString()}` : undefined,
  };
}
