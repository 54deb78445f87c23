import { loadCatalogs } from '../../src/i18n/i18n.ts';
import { pageText } from './intake.ts';

const catalogs = loadCatalogs();
const english = catalogs.en ?? {};

// Words English sentences cannot do without and none of the other four languages uses.
const englishWords = /\b(the|your|you|please|our|this|has been|with|request|click)\b/i;

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#x3D;/g, '=')
    .replace(/&#x60;/g, '`')
    .replace(/&amp;/g, '&');

/**
 * English a reader of `locale` would see in `htmlOrText`: whole catalog sentences in English (a text
 * that fell back to en.json), and English words in hard-coded text. Names that are the same in every
 * language (the organisation's, the language switcher's "English") are the caller's to avoid.
 * `words: false` checks catalog sentences only, for documents that also hold the person's own data.
 */
export function englishLeaks(
  htmlOrText: string,
  locale: string,
  options: { words?: boolean } = {},
): string[] {
  const text = decode(pageText(htmlOrText.replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ')));
  const translated = catalogs[locale] ?? {};
  const sentences = Object.entries(english)
    .filter(([key, value]) => value.split(/\s+/).length >= 3 && translated[key] !== value)
    // Only the fixed words around placeholders can be looked for.
    .flatMap(([key, value]) =>
      value
        .split(/\{\w+\}/)
        .map((part) => part.trim())
        .filter((part) => part.split(/\s+/).length >= 3)
        .map((part) => [key, part] as const),
    )
    .filter(([, part]) => text.includes(part))
    .map(([key, part]) => `${key}: "${part}"`);
  if (options.words === false) return sentences;
  const words = [...text.matchAll(new RegExp(englishWords.source, 'gi'))].map((m) => {
    const at = m.index ?? 0;
    return `word "${m[0]}" in "…${text.slice(Math.max(0, at - 40), at + 40)}…"`;
  });
  return [...sentences, ...words];
}
