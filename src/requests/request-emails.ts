import type { RequestRow } from '../db/schema.ts';
import { formatLocalDate, formatTimeZone } from '../http/views.ts';
import type { I18n } from '../i18n/i18n.ts';
import { composeEmail, type EmailPart } from '../mail/compose.ts';
import type { MailMessage } from '../mail/mail-service.ts';

export type EmailContext = { i18n: I18n; orgName: string; publicUrl: string; statusUrl: string };

type Kind =
  | 'verify'
  | 'reminder'
  | 'acknowledgement'
  | 'receipt'
  | 'opt-out'
  | 'expired'
  | 'cancelled'
  | 'extension'
  | 'denied'
  | 'info-requested'
  | 'cancelled-by-staff';

/**
 * Laws whose refusal notice must name the right to complain to the supervisory authority and to
 * seek a judicial remedy (GDPR and UK GDPR Art. 12(4)): law → the catalog key of that paragraph.
 */
const refusalRemedies: Readonly<Record<string, string>> = {
  gdpr: 'email.denied.remedy.gdpr',
  'uk-gdpr': 'email.denied.remedy.uk-gdpr',
};

export type EmailExtra = {
  verifyUrl?: string;
  hours?: number;
  reason?: string;
  /** A refusal's reason code (its plain-words sentence is in the catalog). */
  denyReason?: string;
  /** Staff's own words to the subject: the refusal's explanation, the question, a cancellation note. */
  message?: string;
};

/** Every email is in the request's language and ends with the signed status link. */
export function requestEmail(
  ctx: EmailContext,
  request: RequestRow,
  kind: Kind,
  extra: EmailExtra = {},
): MailMessage {
  const lang = request.locale;
  const t = (key: string, vars: Record<string, unknown> = {}) =>
    ctx.i18n.t(lang, key, {
      org: ctx.orgName,
      reference: request.reference,
      type: ctx.i18n.t(lang, `typeAction.${request.type}`),
      law: ctx.i18n.t(lang, `law.${request.law}`),
      // The day ends in the law's time zone, which may not be the reader's: say which.
      dueBy: request.dueBy
        ? `${formatLocalDate(request.dueBy, lang)} (${formatTimeZone(request.timeZone, lang)})`
        : '',
      ...vars,
    });
  const parts: EmailPart[] = [t('email.greeting', { name: request.subjectName ?? '' }).replace(/\s+,/, ',')];
  parts.push(t(`email.${kind}.body`, { hours: extra.hours }));
  if (extra.reason) parts.push(extra.reason);
  if (extra.denyReason) parts.push(t(`email.denied.reason.${extra.denyReason}`));
  if (extra.message) parts.push(extra.message);
  const remedy = kind === 'denied' ? refusalRemedies[request.law] : undefined;
  if (remedy) parts.push(t(remedy));
  if (extra.verifyUrl) parts.push({ link: extra.verifyUrl, label: t('email.verify.linkLabel') });
  if (kind === 'verify' || kind === 'reminder') parts.push(t('email.verify.ignore'));
  if ((kind === 'acknowledgement' || kind === 'receipt') && request.dueBy)
    parts.push(t('email.acknowledgement.due'));
  // Asked a question, the subject answers on the status page: the link says so.
  const linkLabel = kind === 'info-requested' ? 'email.info-requested.linkLabel' : 'email.statusLabel';
  parts.push({ link: ctx.statusUrl, label: t(linkLabel) });
  parts.push(t('email.signature'));
  const message = composeEmail(t(`email.${kind}.subject`), parts, lang);
  return { to: request.subjectEmail, requestId: request.id, ...message };
}
