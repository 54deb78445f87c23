import { Router } from 'express';
import { z } from 'zod';
import type { Csrf } from '../http/csrf.ts';
import { toAppError } from '../http/error-handler.ts';
import type { Views } from '../http/views.ts';
import { pageConflicts, referenceOf, requestPageRenderer } from '../requests/staff-request-routes.ts';
import {
  requirePermission,
  type StaffCookie,
  staffAuth,
  staffCsrfBinding,
  staffOf,
} from '../staff/staff-auth.ts';
import type { StaffDeps } from '../staff/staff-service.ts';
import type { FulfilmentDeps } from './fulfilment-deps.ts';
import { correctionDecisionsBody } from './review-schemas.ts';
import { decideCorrections } from './review-service.ts';

export type ReviewPageRouteDeps = {
  fulfilment: FulfilmentDeps;
  staff: StaffDeps;
  views: Views;
  csrf: Csrf;
  cookie: StaffCookie;
};

// One correction per form: the buttons name the decision, the text box the value to write.
const digits = z.string().regex(/^\d+$/).transform(Number);
const decisionForm = z.object({
  version: digits.optional().catch(undefined),
  index: digits.optional().catch(undefined),
  decision: z.string().optional().catch(undefined),
  value: z.string().optional().catch(undefined),
});

/** The form as the JSON body of PUT …/corrections: a rejection carries no value, whatever the box held. */
function formToDecisions(form: unknown) {
  const f = decisionForm.parse(form ?? {});
  return {
    version: f.version,
    decisions: [
      {
        index: f.index,
        decision: f.decision,
        ...(f.decision === 'accepted' && f.value !== undefined ? { value: f.value } : {}),
      },
    ],
  };
}

// `decisions.0.value` → `value`: the form has one decision, so its fields are named plainly.
const formField = (path: string) => path.replace(/^decisions\.0\./, '');

/**
 * The DPO's correction decisions as an HTML form on the request page: POST
 * /staff/requests/{reference}/corrections, session-bound CSRF, `request.approve`. Mount it before
 * staffRequestRoutes, whose `/staff/requests/:reference/:action` would otherwise answer 404.
 */
export function reviewPageRoutes(deps: ReviewPageRouteDeps): Router {
  const router = Router();
  const auth = staffAuth(deps.staff, deps.cookie);
  const sessionCsrf = deps.csrf.protect(staffCsrfBinding);
  const renderPage = requestPageRenderer({ ...deps, requests: deps.fulfilment });

  router.post(
    '/staff/requests/:reference/corrections',
    auth,
    sessionCsrf,
    requirePermission('request.approve'),
    async (req, res) => {
      const reference = referenceOf(req);
      const form = (req.body ?? {}) as Record<string, unknown>;
      const index = decisionForm.parse(form).index ?? -1;
      try {
        const body = correctionDecisionsBody.parse(formToDecisions(form));
        await decideCorrections(deps.fulfilment, staffOf(res).id, reference, body);
        res.redirect(303, `/staff/requests/${encodeURIComponent(reference)}?done=corrections`);
      } catch (error) {
        const known = toAppError(error);
        if (known?.code === 'STALE_VERSION') {
          res.status(409);
          return renderPage(req, res, { stale: true });
        }
        if (known?.code === 'VALIDATION_FAILED' && known.fieldErrors) {
          const errors = Object.fromEntries(known.fieldErrors.map((e) => [formField(e.path), e.message]));
          // Only the value is typed by the DPO; anything else wrong with the form is said at the top.
          const { value: _typed, ...others } = errors;
          const problem = Object.entries(others).map(([field, message]) => `${field}: ${message}`);
          res.status(400);
          return renderPage(req, res, {
            failedCorrection: { index, errors, values: { value: form.value } },
            ...(problem.length > 0 ? { problem: problem.join('; ') } : {}),
          });
        }
        if (known && pageConflicts.has(known.code)) {
          res.status(known.status);
          return renderPage(req, res, { problem: known.message });
        }
        throw error;
      }
    },
  );
  return router;
}
