import type { Executor } from '../db/client.ts';
import type { ClockEventRow, RequestRow } from '../db/schema.ts';
import { type ClockSettings, type ClockState, clockFromEvents } from '../deadlines/index.ts';
import { insertClockEvent, listClockEvents, updateRequestClock } from './requests-repo.ts';

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

/** Appends a clock event and recomputes the request's denormalised clock columns from all of them. */
export async function recordClockEvent(
  ex: Executor,
  request: RequestRow,
  event: { kind: ClockEventRow['kind']; at: Date; reason?: string },
  settings: ClockSettings,
): Promise<ClockState> {
  await insertClockEvent(ex, { requestId: request.id, ...event });
  const state = clockOf(request, await listClockEvents(ex, request.id), settings);
  await updateRequestClock(ex, request.id, clockColumns(state));
  return state;
}

export async function currentClock(
  ex: Executor,
  request: RequestRow,
  settings: ClockSettings,
): Promise<ClockState> {
  return clockOf(request, await listClockEvents(ex, request.id), settings);
}
