import { z } from 'zod';
import { nulMessage, withoutNul } from '../http/no-nul.ts';

export const staffActions = [
  'assign',
  'approve',
  'deny',
  'extend',
  'request-info',
  'resume',
  'retry',
  'cancel',
  'note',
] as const;
export type StaffAction = (typeof staffActions)[number];
export const staffActionParam = z.enum(staffActions);

/** Why a request is refused; each code has a plain-words sentence for the subject in the catalog. */
export const denyReasons = [
  'unverifiable',
  'manifestly_unfounded_or_excessive',
  'exemption_applies',
  'not_a_consumer',
  'other',
] as const;
export type DenyReason = (typeof denyReasons)[number];

// The version the caller last saw: optimistic concurrency needs it on every action.
const version = z.number({ error: 'required: the version of the request you saw' }).int().min(1);
const text = (max: number, required = 'required') =>
  z.string().trim().min(1, required).max(max).refine(withoutNul, nulMessage);

/** One schema per action's body (DESIGN: `{version, reason?, message?, assignee?}`). */
export const actionBodies = {
  assign: z.object({ version, assignee: z.uuid('must be a staff account id or null').nullable() }),
  approve: z.object({ version }),
  deny: z.object({
    version,
    reason: z.enum(denyReasons, `must be one of ${denyReasons.join(', ')}`),
    message: text(5000, 'required: the subject is told why'),
  }),
  extend: z.object({
    version,
    reason: text(2000).min(10, 'at least 10 characters: the subject is told it'),
  }),
  'request-info': z.object({ version, message: text(5000, 'required: the question to the subject') }),
  resume: z.object({ version }),
  retry: z.object({ version }),
  cancel: z.object({
    version,
    message: z.string().trim().max(2000).refine(withoutNul, nulMessage).optional(),
  }),
  note: z.object({ version, message: text(10_000) }),
} as const satisfies Record<StaffAction, z.ZodType>;

export type ActionBodies = { [A in StaffAction]: z.infer<(typeof actionBodies)[A]> };
export type ActionInput = { [A in StaffAction]: { action: A; body: ActionBodies[A] } }[StaffAction];

export function parseActionBody(action: StaffAction, body: unknown): ActionInput {
  return { action, body: actionBodies[action].parse(body ?? {}) } as ActionInput;
}

/** An HTML form sends strings: the version as digits and "no assignee" as an empty value. */
export function formToBody(form: Record<string, unknown>): Record<string, unknown> {
  const { _csrf: _ignored, ...fields } = form;
  const body: Record<string, unknown> = { ...fields };
  if (typeof fields.version === 'string')
    body.version = /^\d+$/.test(fields.version) ? Number(fields.version) : undefined;
  if (fields.assignee === '') body.assignee = null;
  return body;
}

export const supportQuery = z.object({
  q: z.string().trim().max(254, 'at most 254 characters').default(''),
});
