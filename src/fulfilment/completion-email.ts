import type { FulfilmentTaskRow, RequestRow } from '../db/schema.ts';
import { formatLocalDate } from '../http/views.ts';
import type { I18n } from '../i18n/i18n.ts';
import { composeEmail, type EmailPart } from '../mail/compose.ts';
import type { MailMessage } from '../mail/mail-service.ts';
import type { CollectionReceipt, FieldOutcome, Receipt } from './connector.ts';

export type CompletionContext = {
  i18n: I18n;
  orgName: string;
  statusUrl: string;
  /** Access: where the export bundle is downloaded, and the last day the link works (YYYY-MM-DD). */
  download?: { url: string; until: string };
};

const sum = (rows: CollectionReceipt[], key: keyof Omit<CollectionReceipt, 'collection'>) =>
  rows.reduce((n, r) => n + (r[key] ?? 0), 0);

/** One line per source, from the receipt's counts (in the subject's language), or its own summary. */
function sourceLine(t: (k: string, v?: Record<string, unknown>) => string, source: string, receipt: Receipt) {
  const c = receipt.collections;
  const counts = {
    found: sum(c, 'found'),
    deleted: sum(c, 'deleted'),
    masked: sum(c, 'masked'),
    updated: sum(c, 'updated'),
    retained: sum(c, 'retained'),
  };
  const pieces = (Object.keys(counts) as (keyof typeof counts)[])
    .filter((k) => counts[k] > 0 || k === 'found')
    .map((k) => t(`email.completed.count.${k}`, { n: counts[k] }));
  return receipt.external && c.length === 0
    ? `${source}: ${receipt.summary}`
    : `${source}: ${pieces.join(', ')}`;
}

/** Fields kept under a legal hold, grouped by collection and basis: the honest part of an erasure. */
export function keptLines(tasks: Pick<FulfilmentTaskRow, 'source' | 'receipt'>[]): string[] {
  const groups = new Map<string, { fields: string[]; rows: number }>();
  for (const task of tasks) {
    const fields = ((task.receipt as Receipt | null)?.fields ?? []) as FieldOutcome[];
    for (const f of fields.filter((x) => x.outcome === 'retain' && x.rows > 0)) {
      const key = `${task.source}.${f.collection}\u0000${f.basis}\u0000${f.period}`;
      const group = groups.get(key) ?? { fields: [], rows: f.rows };
      group.fields.push(f.field);
      groups.set(key, group);
    }
  }
  return [...groups].map(([key, g]) => {
    const [where, basis, period] = key.split('\u0000');
    return `${where} (${g.fields.join(', ')}): ${basis} — ${period}`;
  });
}

/** What was done, per source, and what was kept and why; in the request's language. */
export function completionEmail(
  ctx: CompletionContext,
  request: RequestRow,
  tasks: FulfilmentTaskRow[],
): MailMessage {
  const lang = request.locale;
  const t = (key: string, vars: Record<string, unknown> = {}) =>
    ctx.i18n.t(lang, key, { org: ctx.orgName, reference: request.reference, ...vars });
  const parts: EmailPart[] = [t('email.greeting', { name: request.subjectName ?? '' }).replace(/\s+,/, ',')];
  parts.push(t(`email.completed.body.${request.type}`));
  const lines = tasks
    .filter((task) => task.receipt)
    .map((task) => sourceLine(t, task.source, task.receipt as unknown as Receipt));
  if (lines.length > 0) parts.push(`${t('email.completed.done')}\n${lines.map((l) => `• ${l}`).join('\n')}`);
  if (ctx.download) {
    parts.push(t('email.completed.download', { until: formatLocalDate(ctx.download.until, lang) }));
    parts.push({ link: ctx.download.url, label: t('email.completed.downloadLabel') });
  }
  const kept = keptLines(tasks);
  if (kept.length > 0) parts.push(`${t('email.completed.kept')}\n${kept.map((l) => `• ${l}`).join('\n')}`);
  parts.push({ link: ctx.statusUrl, label: t('email.statusLabel') });
  parts.push(t('email.signature'));
  const message = composeEmail(t('email.completed.subject'), parts, lang);
  return { to: request.subjectEmail, requestId: request.id, ...message };
}
