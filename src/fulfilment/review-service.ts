import { appendAuditEvent } from '../audit/audit-service.ts';
import type { RequestRow, StoredCorrection } from '../db/schema.ts';
import { AppError } from '../http/app-error.ts';
import { recordRequestAction } from '../requests/request-transition.ts';
import { findRequestByReference } from '../requests/requests-repo.ts';
import type { ErasurePlan, RectificationChange } from './connector.ts';
import type { FulfilmentDeps } from './fulfilment-deps.ts';
import type { CorrectionDecisionsBody } from './review-schemas.ts';

export type PlanOrProblem = ErasurePlan | { source: string; kind: string; error: string };

async function load(deps: FulfilmentDeps, reference: string, staffId: string, via: string) {
  const request = await findRequestByReference(deps.db, reference);
  if (!request) throw new AppError('REQUEST_NOT_FOUND', `Request ${reference} does not exist.`);
  // Both views show the subject's live data from the sources: on the record like any other view.
  await appendAuditEvent(deps.db, {
    requestId: request.id,
    kind: 'request.viewed',
    actor: staffId,
    data: { via },
    at: deps.now(),
  });
  return request;
}

const problem = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);

/** The erasure dry run: per source and field what would be deleted, masked or kept, and why. */
export async function erasurePlan(
  deps: FulfilmentDeps,
  reference: string,
  staffId: string,
): Promise<{ reference: string; sources: PlanOrProblem[] }> {
  const request = await load(deps, reference, staffId, 'erasure-plan');
  const subject = { email: request.subjectEmail, name: request.subjectName };
  const connectors = deps.connectors.list().filter((c) => c.supports('erase'));
  const sources = await Promise.all(
    connectors.map(async (c): Promise<PlanOrProblem> => {
      try {
        return await c.planErasure(subject);
      } catch (error) {
        return { source: c.name, kind: c.kind, error: problem(error) };
      }
    }),
  );
  return { reference, sources };
}

export type RectificationReview = {
  reference: string;
  corrections: (StoredCorrection & { index: number })[];
  changes: RectificationChange[];
  problems: { source: string; error: string }[];
};

/** The subject's corrections as a diff against the current values in every source that can rectify. */
export async function rectificationReview(
  deps: FulfilmentDeps,
  reference: string,
  staffId: string,
): Promise<RectificationReview> {
  const request = await load(deps, reference, staffId, 'rectification');
  const corrections = request.corrections ?? [];
  const subject = { email: request.subjectEmail, name: request.subjectName };
  const changes: RectificationChange[] = [];
  const problems: RectificationReview['problems'] = [];
  for (const c of deps.connectors.list().filter((x) => x.supports('rectify'))) {
    try {
      changes.push(...(await c.rectificationDiff(subject, corrections)));
    } catch (error) {
      problems.push({ source: c.name, error: problem(error) });
    }
  }
  return { reference, corrections: corrections.map((c, index) => ({ ...c, index })), changes, problems };
}

const decidable: RequestRow['status'][] = ['pending_review', 'awaiting_subject'];

/**
 * Staff accept (optionally editing the value) or reject single corrections before approval.
 * Only the decisions enter the audit trail, never the values (personal data).
 */
export async function decideCorrections(
  deps: FulfilmentDeps,
  staffId: string,
  reference: string,
  body: CorrectionDecisionsBody,
): Promise<RequestRow> {
  const request = await findRequestByReference(deps.db, reference);
  if (!request) throw new AppError('REQUEST_NOT_FOUND', `Request ${reference} does not exist.`);
  if (body.version !== request.version)
    throw new AppError(
      'STALE_VERSION',
      `Request ${reference} was changed by someone else (now version ${request.version}, status ${request.status}).`,
    );
  if (request.type !== 'rectify' || !request.corrections)
    throw new AppError('ILLEGAL_TRANSITION', `Request ${reference} has no corrections to decide.`);
  if (!decidable.includes(request.status))
    throw new AppError(
      'ILLEGAL_TRANSITION',
      `Corrections are decided before approval; the request is ${request.status}.`,
    );
  const corrections = request.corrections.map((c) => ({ ...c }));
  for (const [i, d] of body.decisions.entries()) {
    const current = corrections[d.index];
    if (!current)
      throw new AppError('VALIDATION_FAILED', `decisions[${i}].index: no correction ${d.index}`, [
        { path: `decisions.${i}.index`, message: `the request has ${corrections.length} corrections` },
      ]);
    const proposed = current.proposed ?? current.value;
    corrections[d.index] = {
      field: current.field,
      value: d.decision === 'accepted' && d.value !== undefined ? d.value : proposed,
      decision: d.decision,
      ...(d.decision === 'accepted' && d.value !== undefined && d.value !== proposed ? { proposed } : {}),
    };
  }
  return deps.db.transaction((tx) =>
    recordRequestAction(tx, {
      request,
      version: body.version,
      kind: 'request.corrections_decided',
      actorId: staffId,
      now: deps.now(),
      patch: { corrections },
      data: {
        decisions: body.decisions.map((d) => ({
          index: d.index,
          decision: d.decision,
          edited: d.value !== undefined,
        })),
      },
    }),
  );
}
