import type { RequestRow } from '../db/schema.ts';

export type Status = RequestRow['status'];
export type Actor = 'subject' | 'system' | 'support' | 'dpo' | 'admin';

type Rule = { from: readonly Status[]; to: Status; actors: readonly Actor[] };

/** Statuses still being worked (the queue, the dashboard); the rest are closed. */
export const openStatuses = [
  'unverified',
  'pending_review',
  'awaiting_subject',
  'approved',
  'processing',
  'failed',
] as const satisfies readonly Status[];
const open: readonly Status[] = openStatuses;

/**
 * The lifecycle of DESIGN.md as data: every status change in the system is one of these actions.
 * Staff roles beyond what intake needs arrive with the queue; the table is the one place to add them.
 */
export const transitions = {
  verify: { from: ['unverified'], to: 'pending_review', actors: ['subject'] },
  expire: { from: ['unverified'], to: 'expired', actors: ['system'] },
  cancel: { from: open, to: 'cancelled', actors: ['subject', 'dpo', 'admin'] },
  approve: { from: ['pending_review'], to: 'approved', actors: ['dpo', 'admin', 'system'] },
  deny: { from: ['pending_review', 'awaiting_subject'], to: 'denied', actors: ['dpo', 'admin'] },
  'request-info': { from: ['pending_review'], to: 'awaiting_subject', actors: ['dpo', 'admin'] },
  resume: { from: ['awaiting_subject'], to: 'pending_review', actors: ['subject', 'dpo', 'admin'] },
  start: { from: ['approved'], to: 'processing', actors: ['system'] },
  complete: { from: ['processing'], to: 'completed', actors: ['system'] },
  fail: { from: ['processing'], to: 'failed', actors: ['system'] },
  retry: { from: ['failed'], to: 'processing', actors: ['dpo', 'admin'] },
} as const satisfies Record<string, Rule>;

export type Action = keyof typeof transitions;

export const closedStatuses: readonly Status[] = ['completed', 'denied', 'cancelled', 'expired'];

export function isOpen(status: Status): boolean {
  return !closedStatuses.includes(status);
}

export type TransitionCheck = { ok: true; to: Status } | { ok: false; reason: 'role' | 'state' };

export function checkTransition(action: Action, from: Status, actor: Actor): TransitionCheck {
  const rule: Rule = transitions[action];
  if (!rule.actors.includes(actor)) return { ok: false, reason: 'role' };
  if (!rule.from.includes(from)) return { ok: false, reason: 'state' };
  return { ok: true, to: rule.to };
}
