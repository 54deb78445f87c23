import type { Executor } from '../db/client.ts';
import type { ClockEventRow, RequestRow } from '../db/schema.ts';
import { type ClockSettings, type ClockState, clockFromEvents } from '../deadlines/index.ts';
import { insertClockEvents, listClockEvents, updateRequestClock } from './requests-repo.ts';

export type ClockColumns = Pick<
  RequestRow,
  'acknowledgeBy' | 'dueBy' | 'safeDueBy' | 'extensionNoticeBy' | 'extendedDueBy'
>;

export function clockColumns(state: ClockState): ClockColumns {
  return {
    acknowledgeBy: state.acknowledgeBy,
    dueBy: state.dueBy,
    safeDueBy: state.safeDueBy,
    extensionNoticeBy: state.extensionNoticeBy,
    extendedDueBy: state.extendedDueBy,
  };
}

export function clockOf(
  request: Pick<RequestRow, 'law' | 'type' | 'timeZone'>,
  events: Pick<ClockEventRow, 'kind' | 'at'>[],
  settings: ClockSettings,
): ClockState {
  return clockFromEvents(
    request.law,
    request.type,
    events.map((e) => ({ kind: e.kind, at: e.at.toISOString() })),
    settings,
    { tz: request.timeZone },
  );
}

type ClockEventInput = { kind: ClockEventRow['kind']; at: Date; reason?: string };

/** Appends a clock event and recomputes the request's denormalised clock columns from all of them. */
export function recordClockEvent(
  ex: Executor,
  request: RequestRow,
  event: ClockEventInput,
  settings: ClockSettings,
): Promise<ClockState> {
  return recordClockEvents(ex, request, [event], settings);
}

/**
 * Appends clock events (in order, after every stored one) and recomputes the clock columns. The new
 * clock is computed before anything is written, so the events and the columns go in one round trip;
 * an impossible sequence throws before writing. Callers hold the request's row (a version update)
 * first, so no other transaction adds events in between.
 */
export async function recordClockEvents(
  ex: Executor,
  request: RequestRow,
  events: readonly ClockEventInput[],
  settings: ClockSettings,
): Promise<ClockState> {
  const stored = await listClockEvents(ex, request.id);
  const state = clockOf(request, [...stored, ...events], settings);
  await Promise.all([
    insertClockEvents(
      ex,
      events.map((e) => ({ requestId: request.id, ...e })),
    ),
    updateRequestClock(ex, request.id, clockColumns(state)),
  ]);
  return state;
}

export async function currentClock(
  ex: Executor,
  request: RequestRow,
  settings: ClockSettings,
): Promise<ClockState> {
  return clockOf(request, await listClockEvents(ex, request.id), settings);
}
