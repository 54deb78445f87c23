import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.(ts|hbs)$/.test(entry) ? [readFileSync(full, 'utf8')] : [];
  });
}

/**
 * Catalog keys that no template or source file under `dir` mentions. A key counts as used when it
 * appears as a quoted literal ('a.b', "a.b", `a.b`), or fits a template literal such as
 * `email.${kind}.subject` where the interpolated part is one segment or itself a literal in the code
 * (`${key}.title` with 'verify.expired' elsewhere).
 */
export function unusedKeys(keys: readonly string[], dir: string): string[] {
  const text = sources(dir).join('\n');
  const literals = new Set([...text.matchAll(/['"`]([a-zA-Z][\w.-]*)['"`]/g)].map((m) => m[1]));
  const families = [...text.matchAll(/`([\w.-]*)\$\{[^}`]*\}([\w.-]*)`/g)].map(
    (m) => [m[1] ?? '', m[2] ?? ''] as const,
  );
  const used = (key: string) =>
    literals.has(key) ||
    families.some(([prefix, suffix]) => {
      if (!key.startsWith(prefix) || !key.endsWith(suffix) || key.length <= prefix.length + suffix.length)
        return false;
      const middle = key.slice(prefix.length, key.length - suffix.length);
      return /^[\w-]+$/.test(middle) || literals.has(middle);
    });
  return keys.filter((k) => !used(k));
}
