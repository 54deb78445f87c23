import { type Connector, type FulfilmentAction, SourceCheckError } from '../connector.ts';
import type { PostgresSourceConfig } from '../sources-schemas.ts';
import { runAccess } from './access.ts';
import { planErasure, runErase } from './erase.ts';
import { runOptOut } from './opt-out.ts';
import { rectificationDiff, runRectify } from './rectify.ts';
import { checkSchema } from './schema-check.ts';
import { openSourceSql, type SourceSql } from './source-sql.ts';

export type PostgresConnectorOptions = {
  /** Key of the erase `hash` strategy (HMAC-SHA256). */
  hashKey: Buffer;
  /** How to open the client; defaults to the source URL. Tests hand over an embedded database they seed. */
  connect?: () => Promise<SourceSql>;
};

/** A connector for a PostgreSQL (or embedded PGlite) database; it connects on first use. */
export function createPostgresConnector(
  source: PostgresSourceConfig,
  options: PostgresConnectorOptions,
): Connector {
  const connect = options.connect ?? (() => openSourceSql(source.url));
  let opening: Promise<SourceSql> | undefined;

  const client = (): Promise<SourceSql> => {
    if (!opening) {
      opening = connect();
      // A failed open is retried on the next use rather than remembered.
      opening.catch(() => {
        opening = undefined;
      });
    }
    return opening;
  };

  const hasField = (
    test: (field: PostgresSourceConfig['collections'][number]['fields'][string]) => boolean,
  ) => source.collections.some((c) => Object.values(c.fields).some(test));

  return {
    name: source.name,
    kind: 'postgres',

    supports(action: FulfilmentAction) {
      if (action === 'rectify') return hasField((field) => field.rectifiable);
      if (action === 'opt_out') return source.collections.some((c) => c.marketingConsentColumn !== undefined);
      return true;
    },

    async check() {
      let sql: SourceSql;
      try {
        sql = await client();
        await sql.query('select 1');
      } catch (error) {
        throw new SourceCheckError(`sources.${source.name}.url`, `cannot connect: ${reason(error)}`, true);
      }
      await checkSchema(sql, source);
    },

    async run(ctx) {
      const sql = await client();
      const email = ctx.subject.email;
      switch (ctx.action) {
        case 'access':
          return { state: 'done', receipt: await runAccess(sql, source, email, ctx.records) };
        case 'erase':
          return { state: 'done', receipt: await runErase(sql, source, email, options.hashKey) };
        case 'rectify':
          return { state: 'done', receipt: await runRectify(sql, source, email, ctx.corrections) };
        case 'opt_out':
          return { state: 'done', receipt: await runOptOut(sql, source, email) };
      }
    },

    async planErasure(subject) {
      return planErasure(await client(), source, subject.email);
    },

    async rectificationDiff(subject, corrections) {
      const sql = await client();
      return sql.transaction((tx) => rectificationDiff(tx, source, subject.email, corrections), {
        readOnly: true,
      });
    },

    async close() {
      const pending = opening;
      opening = undefined;
      if (!pending) return;
      const sql = await pending.catch(() => undefined);
      await sql?.close();
    },
  };
}

function reason(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${error.message} (${code})`
      : error.message;
  }
  return String(error);
}
