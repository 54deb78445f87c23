import { z } from 'zod';

// SQL identifiers are checked twice: by shape here, and against the live schema when a source connects.
const identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain SQL identifier (letters, digits, underscore)');
const qualifiedTable = z
  .string()
  .regex(/^([A-Za-z_][A-Za-z0-9_]{0,62}\.)?[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be table or schema.table');

/** The data categories a source declares; the data map describes each in the catalogs. */
export const CATEGORY_IDS = [
  'identity',
  'contact',
  'account',
  'usage',
  'device',
  'financial',
  'marketing',
  'content',
  'location',
  'other',
] as const;
const category = z.enum(CATEGORY_IDS);

// What happens to a field on erasure; `retain` must say why and for how long (an honest legal hold).
const eraseStrategy = z.discriminatedUnion('strategy', [
  z.strictObject({ strategy: z.literal('delete') }),
  z.strictObject({ strategy: z.literal('null') }),
  z.strictObject({ strategy: z.literal('hash') }),
  z.strictObject({ strategy: z.literal('redact'), text: z.string().min(1).max(200).default('[erased]') }),
  z.strictObject({
    strategy: z.literal('retain'),
    basis: z.string().min(5, 'say which law or reason requires keeping it'),
    period: z.string().regex(/^\d+ (day|month|year)s?$/, 'a period such as "5 years"'),
  }),
]);

const field = z.strictObject({
  category,
  erase: eraseStrategy,
  rectifiable: z.boolean().default(false),
});

// How the subject is found: an email column in the table, or a key reached through a join.
const subjectLookup = z.union([
  z.strictObject({ emailColumn: identifier }),
  z.strictObject({
    join: z.strictObject({
      table: qualifiedTable,
      emailColumn: identifier,
      key: identifier,
      foreignKey: identifier,
    }),
  }),
]);

const collection = z
  .strictObject({
    name: identifier,
    table: qualifiedTable,
    primaryKey: identifier.default('id'),
    subject: subjectLookup,
    fields: z.record(identifier, field).refine((f) => Object.keys(f).length > 0, 'list at least one field'),
    marketingConsentColumn: identifier.optional(),
  })
  .superRefine((value, ctx) => {
    // Deleting a row would destroy a field held under a legal basis: say so instead of guessing.
    const strategies = Object.entries(value.fields).map(([name, f]) => [name, f.erase.strategy] as const);
    const retained = strategies.find(([, s]) => s === 'retain');
    const deleted = strategies.find(([, s]) => s === 'delete');
    if (retained && deleted)
      ctx.addIssue({
        code: 'custom',
        path: ['fields', deleted[0], 'erase', 'strategy'],
        message: `cannot delete the row while field "${retained[0]}" is retained; use null, hash or redact`,
      });
  });

const postgresSource = z.strictObject({
  name: identifier,
  kind: z.literal('postgres'),
  /** postgres://… for PostgreSQL; pglite:///abs/dir or pglite:./dir for an embedded database (demo, local). */
  url: z.string().regex(/^(postgres(ql)?:\/\/|pglite:)/, 'must be a postgres:// (or pglite:) URL'),
  collections: z.array(collection).min(1, 'list at least one collection'),
});

const httpSource = z.strictObject({
  name: identifier,
  kind: z.literal('http'),
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  /** Environment variable holding the shared HMAC secret: secrets never live in the sources file. */
  secretEnv: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'the name of an environment variable'),
  holds: z.array(category).min(1, 'say which data categories it holds'),
  actions: z.array(z.enum(['access', 'erase', 'rectify', 'opt_out'])).min(1),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
});

const builtinSource = z.strictObject({ name: identifier, kind: z.literal('builtin') });

export const sourcesFileSchema = z
  .strictObject({
    sources: z.array(z.discriminatedUnion('kind', [postgresSource, httpSource, builtinSource])),
  })
  .superRefine((value, ctx) => {
    const seen = new Set<string>();
    value.sources.forEach((source, i) => {
      if (seen.has(source.name))
        ctx.addIssue({ code: 'custom', path: ['sources', i, 'name'], message: 'names must be unique' });
      seen.add(source.name);
    });
  });

export type SourcesFile = z.infer<typeof sourcesFileSchema>;
export type SourceConfig = SourcesFile['sources'][number];
export type PostgresSourceConfig = Extract<SourceConfig, { kind: 'postgres' }>;
export type CollectionConfig = PostgresSourceConfig['collections'][number];
