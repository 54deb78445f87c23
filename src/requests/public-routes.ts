import type { RequestHandler } from 'express';
import { type Request, type Response, Router } from 'express';
import type { ZodError } from 'zod';
import { REQUEST_TYPES } from '../deadlines/rules.ts';
import type { Csrf } from '../http/csrf.ts';
import type { Views } from '../http/views.ts';
import { newReference } from './reference.ts';
import { lawForRegion } from './regions.ts';
import type { RequestDeps } from './request-deps.ts';
import { createRequestBody, type RequestFormBody, requestFormBody } from './requests-schemas.ts';
import { submitRequest } from './requests-service.ts';

export type PublicRouteDeps = {
  requests: RequestDeps;
  views: Views;
  csrf: Csrf;
  limits: { perIp: RequestHandler; perEmail: RequestHandler };
};

type FormValues = Partial<Record<string, unknown>> & { corrections?: { field: string; value: string }[] };
const formFields = ['type', 'region', 'email', 'name', 'details', 'corrections'] as const;

// Errors by field, in form order, in the subject's language (zod's own messages are English).
function fieldErrors(error: ZodError, t: (key: string) => string) {
  const failed = new Set(error.issues.map((i) => String(i.path[0] ?? '')));
  return formFields
    .filter((f) => failed.has(f))
    .map((field) => ({ field, message: t(`form.error.${field}`) }));
}

function renderForm(
  deps: PublicRouteDeps,
  req: Request,
  res: Response,
  values: FormValues,
  error?: ZodError,
) {
  const lang = res.locals.lang as string;
  const t = (key: string, vars?: Record<string, unknown>) => deps.requests.i18n.t(lang, key, vars);
  const errorList = error ? fieldErrors(error, t) : [];
  const rows = [...(values.corrections ?? [])];
  while (rows.length < 3) rows.push({ field: '', value: '' });
  res.type('html').send(
    deps.views.render('requests/form', {
      lang,
      title: t('form.title'),
      // Re-rendered after a failed POST too: switching language opens the form afresh.
      langPath: '/',
      csrf: deps.csrf.issue(req, res),
      values,
      errorList,
      errors: Object.fromEntries(errorList.map((e) => [e.field, e.message])),
      tokenHours: deps.requests.config.verification.tokenHours,
      types: REQUEST_TYPES.map((value) => ({
        value,
        label: t(`type.${value}`).replace(/^./, (c) => c.toUpperCase()),
        hint: t(`form.type.${value}.hint`),
        checked: values.type === value,
      })),
      regions: [...deps.requests.config.formRegions, 'other'].map((value) => ({
        value,
        label: t(`form.region.${value}`),
        checked: values.region === value,
      })),
      corrections: rows.map((c, i) => ({
        ...c,
        n: i + 1,
        fieldLabel: t('form.corrections.field', { n: i + 1 }),
        valueLabel: t('form.corrections.value', { n: i + 1 }),
      })),
    }),
  );
}

export function publicRoutes(deps: PublicRouteDeps): Router {
  const router = Router();
  const formBody = requestFormBody(deps.requests.config.formRegions);
  router.get('/', (req, res) => renderForm(deps, req, res, {}));

  router.post('/requests', deps.csrf.protect(), deps.limits.perIp, deps.limits.perEmail, async (req, res) => {
    const lang = res.locals.lang as string;
    const raw = (req.body ?? {}) as Record<string, unknown>;
    // Honeypot filled: answer exactly as for a real submission, store and send nothing.
    if (typeof raw.website === 'string' && raw.website.trim() !== '') {
      const kind = raw.type === 'opt_out' ? 'opt_out' : 'other';
      res.redirect(303, `/requests/received?ref=${newReference()}&type=${kind}`);
      return;
    }
    const form = formBody.safeParse(raw);
    const values = form.success ? form.data : (raw as FormValues);
    if (!form.success)
      return renderForm(
        deps,
        req,
        res.status(400),
        { ...values, corrections: rawCorrections(raw) },
        form.error,
      );
    const body = createRequestBody.safeParse(toApiBody(form.data, deps.requests.config, lang));
    if (!body.success) return renderForm(deps, req, res.status(400), form.data, body.error);
    const result = await submitRequest(deps.requests, body.data, {
      channel: 'web',
      locale: lang,
      gpc: req.get('sec-gpc') === '1',
    });
    res.redirect(
      303,
      `/requests/received?ref=${result.reference}&type=${body.data.type === 'opt_out' ? 'opt_out' : 'other'}`,
    );
  });

  router.get('/requests/received', (req, res) => {
    const lang = res.locals.lang as string;
    const ref =
      typeof req.query.ref === 'string' && /^RD-[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(req.query.ref)
        ? req.query.ref
        : undefined;
    const optOut = req.query.type === 'opt_out';
    res.type('html').send(
      deps.views.render('requests/received', {
        lang,
        title: deps.requests.i18n.t(lang, optOut ? 'received.optout.title' : 'received.title'),
        reference: ref,
        optOut,
      }),
    );
  });
  return router;
}

function rawCorrections(raw: Record<string, unknown>) {
  const list = (v: unknown) => [v ?? []].flat().map((x) => (typeof x === 'string' ? x : ''));
  const values = list(raw.correctionValue);
  return list(raw.correctionField).map((field, i) => ({ field, value: values[i] ?? '' }));
}

function toApiBody(form: RequestFormBody, config: RequestDeps['config'], locale: string) {
  return {
    type: form.type,
    law: lawForRegion(form.region, config),
    email: form.email,
    ...(form.name ? { name: form.name } : {}),
    ...(form.details ? { details: form.details } : {}),
    ...(form.type === 'rectify' ? { corrections: form.corrections } : {}),
    locale,
  };
}
