import { Temporal } from 'temporal-polyfill';
import { appendAuditEvent } from '../audit/audit-service.ts';
import type { RequestRow, StaffAccountRow } from '../db/schema.ts';
import { calendarFor, type LawId, lawRule, nthWorkingDayAfter } from '../deadlines/index.ts';
import { composeEmail } from '../mail/compose.ts';
import { queueMail } from '../mail/mail-service.ts';
import { listActiveStaff } from '../staff/staff-repo.ts';
import type { RequestDeps } from './request-deps.ts';
import { findOpenDueBy } from './requests-repo.ts';

export const dueSoonWorkingDays = 3;

type Flagged = { request: RequestRow; overdue: boolean };

/** Overdue, or due within three working days of the request's own law and time zone. */
export function flagDeadline(
  request: RequestRow,
  now: Date,
  settings: RequestDeps['config']['clock'],
): Flagged | undefined {
  if (!request.safeDueBy) return undefined;
  const today = Temporal.Instant.fromEpochMilliseconds(now.getTime())
    .toZonedDateTimeISO(request.timeZone)
    .toPlainDate();
  const due = Temporal.PlainDate.from(request.safeDueBy);
  if (Temporal.PlainDate.compare(due, today) < 0) return { request, overdue: true };
  const horizon = nthWorkingDayAfter(
    today,
    dueSoonWorkingDays,
    calendarFor(lawRule(request.law as LawId, settings)),
  );
  return Temporal.PlainDate.compare(due, horizon) <= 0 ? { request, overdue: false } : undefined;
}

/**
 * The daily deadline digest: one email per assignee (every DPO for unassigned requests) listing
 * what is overdue and what falls due within three working days. References and dates only: staff
 * open the request to see who it is about.
 */
export async function sendDeadlineDigest(
  deps: RequestDeps,
): Promise<{ recipients: number; flagged: number }> {
  const now = deps.now();
  // Seven calendar days cover three working days in every calendar (weekend plus a holiday or two).
  const horizon = new Date(now.getTime() + 8 * 24 * 3600_000).toISOString().slice(0, 10);
  const flagged = (await findOpenDueBy(deps.db, horizon, 5000)).flatMap(
    (r) => flagDeadline(r, now, deps.config.clock) ?? [],
  );
  if (flagged.length === 0) return { recipients: 0, flagged: 0 };
  const staff = await listActiveStaff(deps.db, ['dpo', 'admin']);
  const dpos = staff.filter((s) => s.role === 'dpo');
  const byRecipient = new Map<StaffAccountRow, Flagged[]>();
  for (const item of flagged) {
    const assignee = staff.find((s) => s.id === item.request.assignee);
    for (const recipient of assignee ? [assignee] : dpos) {
      byRecipient.set(recipient, [...(byRecipient.get(recipient) ?? []), item]);
    }
  }
  await deps.db.transaction(async (tx) => {
    for (const [recipient, items] of byRecipient) {
      await queueMail(tx, deps.jobs, digestEmail(deps, recipient.email, items));
    }
    await appendAuditEvent(tx, {
      kind: 'deadlines.digest',
      actor: 'system',
      data: {
        recipients: byRecipient.size,
        overdue: flagged.filter((f) => f.overdue).length,
        dueSoon: flagged.filter((f) => !f.overdue).length,
      },
      at: now,
    });
  });
  return { recipients: byRecipient.size, flagged: flagged.length };
}

function digestEmail(deps: RequestDeps, to: string, items: Flagged[]) {
  const overdue = items.filter((i) => i.overdue);
  const soon = items.filter((i) => !i.overdue);
  const line = ({ request }: Flagged) =>
    `${request.reference} · ${request.type} · ${request.law} · ${request.status} · safe due ${request.safeDueBy}${request.assignee ? '' : ' · unassigned'}\n${deps.config.publicUrl}/staff/requests/${request.reference}`;
  const parts = [
    `${overdue.length} overdue, ${soon.length} due within ${dueSoonWorkingDays} working days.`,
    ...(overdue.length ? ['OVERDUE', ...overdue.map(line)] : []),
    ...(soon.length ? [`DUE WITHIN ${dueSoonWorkingDays} WORKING DAYS`, ...soon.map(line)] : []),
    `The queue: ${deps.config.publicUrl}/staff`,
  ];
  const subject = `Rightsdesk: ${overdue.length} overdue, ${soon.length} due soon`;
  return { to, ...composeEmail(subject, parts, 'en') };
}
