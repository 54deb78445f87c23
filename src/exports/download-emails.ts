import type { Config } from '../config.ts';
import type { RequestRow } from '../db/schema.ts';
import { formatLocalDate } from '../http/views.ts';
import type { I18n } from '../i18n/i18n.ts';
import { composeEmail, type EmailPart } from '../mail/compose.ts';
import type { MailMessage } from '../mail/mail-service.ts';
import { statusUrl } from '../requests/links.ts';

type Ctx = { i18n: I18n; config: Pick<Config, 'orgName' | 'publicUrl' | 'secretKey'>; now: Date };
type T = (key: string, vars?: Record<string, unknown>) => string;

function email(ctx: Ctx, request: RequestRow, subjectKey: string, body: (t: T) => EmailPart[]): MailMessage {
  const lang = request.locale;
  const t: T = (key, vars = {}) =>
    ctx.i18n.t(lang, key, { org: ctx.config.orgName, reference: request.reference, ...vars });
  const parts: EmailPart[] = [t('email.greeting', { name: request.subjectName ?? '' }).replace(/\s+,/, ',')];
  // Like every email of a request, it ends with the signed status link.
  parts.push(...body(t), { link: statusUrl(ctx.config, request.id, ctx.now), label: t('email.statusLabel') });
  parts.push(t('email.signature'));
  return { to: request.subjectEmail, requestId: request.id, ...composeEmail(t(subjectKey), parts, lang) };
}

/** The one-time code asked for on the download page, to the request's own address. */
export function downloadCodeEmail(ctx: Ctx, request: RequestRow, code: string, minutes: number): MailMessage {
  return email(ctx, request, 'email.download-code.subject', (t) => [
    t('email.download-code.body'),
    code,
    t('email.download-code.expiry', { minutes }),
    t('email.download-code.ignore'),
  ]);
}

/** A new copy (after expiry or revocation) or a release after review of a completed request: the new link. */
export function newLinkEmail(
  ctx: Ctx,
  request: RequestRow,
  download: { url: string; until: string },
): MailMessage {
  return email(ctx, request, 'download.linkEmail.subject', (t) => [
    t('download.linkEmail.body', { until: formatLocalDate(download.until, request.locale) }),
    { link: download.url, label: t('download.linkEmail.linkLabel') },
  ]);
}
