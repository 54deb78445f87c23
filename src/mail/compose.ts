import Handlebars from 'handlebars';

export type EmailPart = string | { link: string; label?: string };

const esc = (s: string) => Handlebars.escapeExpression(s);

/**
 * One email, two bodies from the same parts: plain text for every client, simple HTML
 * (no remote images, no tracking) for those that prefer it.
 */
export function composeEmail(
  subject: string,
  parts: EmailPart[],
  lang: string,
): { subject: string; text: string; html: string } {
  const text = parts
    .map((p) => (typeof p === 'string' ? p : p.label ? `${p.label}\n${p.link}` : p.link))
    .join('\n\n');
  const body = parts
    .map((p) =>
      typeof p === 'string'
        ? `<p>${esc(p).replace(/\n/g, '<br>')}</p>`
        : `<p>${p.label ? `${esc(p.label)}<br>` : ''}<a href="${esc(p.link)}">${esc(p.link)}</a></p>`,
    )
    .join('\n');
  const html = `<!doctype html><html lang="${esc(lang)}"><head><meta charset="utf-8"><title>${esc(subject)}</title></head><body style="font-family:sans-serif;line-height:1.5;max-width:40rem">\n${body}\n</body></html>`;
  return { subject, text: `${text}\n`, html };
}
