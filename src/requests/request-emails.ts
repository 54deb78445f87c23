import type { RequestRow } from '../db/schema.ts';
import { formatLocalDate } from '../http/views.ts';
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
  | 'extension';

/** Every email is in the request's language and ends with the signed status link. */
export function requestEmail(
  ctx: EmailContext,
  request: RequestRow,
  kind: Kind,
  extra: { verifyUrl?: string; hours?: number; reason?: string } = {},
): MailMessage {
  const lang = request.locale;
  const t = (key: string, vars: Record<string, unknown> = {}) =>
    ctx.i18n.t(lang, key, {
      org: ctx.orgName,
      reference: request.reference,
      type: ctx.i18n.t(lang, `typeAction.${request.type}`),
      law: ctx.i18n.t(lang, `law.${request.law}`),
      dueBy: request.dueBy ? formatLocalDate(request.dueBy, lang) : '',
      ...vars,
    });
  const parts: EmailPart[] = [t('email.greeting', { name: request.subjectName ?? '' }).replace(/\s+,/, ',')];
  parts.push(t(`email.${kind}.body`, { hours: extra.hours }));
  if (extra.reason) parts.push(extra.reason);
  if (extra.verifyUrl) parts.push({ link: extra.verifyUrl, label: t('email.verify.linkLabel') });
  if (kind === 'verify' || kind === 'reminder') parts.push(t('email.verify.ignore'));
  if ((kind === 'acknowledgement' || kind === 'receipt') && request.dueBy)
    parts.push(t('email.acknowledgement.due'));
  parts.push({ link: ctx.statusUrl, label: t('email.statusLabel') });
  parts.push(t('email.signature'));
  const message = composeEmail(t(`email.${kind}.subject`), parts, lang);
  return { to: request.subjectEmail, requestId: request.id, ...message };
}
