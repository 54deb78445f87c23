import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { type SourcesFile, sourcesFileSchema } from './sources-schemas.ts';

export class SourcesConfigError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'SourcesConfigError';
  }
}

/** zod's path as an operator reads it in the file: sources[2].collections[0].fields.email.erase */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
}

function firstIssue(error: z.ZodError): SourcesConfigError {
  const issue = error.issues[0]!;
  return new SourcesConfigError(formatPath(issue.path) || '(file)', issue.message);
}

/** Parses sources from text (YAML is a superset of JSON); the first problem is reported with its path. */
export function parseSources(text: string): SourcesFile {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    throw new SourcesConfigError(
      '(file)',
      `not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const parsed = sourcesFileSchema.safeParse(raw ?? {});
  if (!parsed.success) throw firstIssue(parsed.error);
  return parsed.data;
}

export function loadSourcesFile(file: string): SourcesFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SourcesConfigError(
      'SOURCES_FILE',
      `cannot read ${file} (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  return parseSources(text);
}
