import { createHmac } from 'node:crypto';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { createBuiltinConnector } from './builtin/builtin-connector.ts';
import { type Connector, type FulfilmentAction, SourceCheckError } from './connector.ts';
import type { Connectors } from './fulfilment-deps.ts';
import { createHttpConnector } from './http/http-connector.ts';
import { createPostgresConnector } from './postgres/postgres-connector.ts';
import { SourcesConfigError } from './sources-config.ts';
import type { SourceConfig } from './sources-schemas.ts';

/** Rightsdesk's own records are always a source, under this name unless the sources file names one. */
export const BUILTIN_SOURCE = 'rightsdesk';

export type ConnectorDeps = {
  config: Pick<Config, 'secretKey' | 'publicUrl' | 'readSecret' | 'env'>;
  db: Db;
  now: () => Date;
  /** Secrets that are not in the environment (the demo derives its own). */
  extraSecrets?: Readonly<Record<string, string>>;
};

const ownVariables = new Set(['SECRET_KEY', 'DATABASE_URL', 'SMTP_URL', 'PUBLIC_URL', 'MAIL_FROM']);

// Each source gets its own hashing key, so hashed values cannot be joined across sources.
const hashKeyFor = (secretKey: string, source: string) =>
  createHmac('sha256', secretKey).update(`rightsdesk:erase-hash:${source}`).digest();

/** Builds one connector per configured source (plus the built-in one); nothing connects yet. */
export function createConnectors(sources: readonly SourceConfig[], deps: ConnectorDeps): Connectors {
  const list: Connector[] = [];
  if (!sources.some((s) => s.kind === 'builtin'))
    list.push(createBuiltinConnector(BUILTIN_SOURCE, { db: deps.db, secretKey: deps.config.secretKey }));
  sources.forEach((source, i) => {
    if (source.kind === 'builtin')
      list.push(createBuiltinConnector(source.name, { db: deps.db, secretKey: deps.config.secretKey }));
    else if (source.kind === 'postgres')
      list.push(createPostgresConnector(source, { hashKey: hashKeyFor(deps.config.secretKey, source.name) }));
    else {
      // Rightsdesk's own secrets are never shared with a third party by naming them here.
      if (ownVariables.has(source.secretEnv))
        throw new SourcesConfigError(
          `sources[${i}].secretEnv`,
          `${source.secretEnv} is Rightsdesk's own setting`,
        );
      // Subjects' emails travel in these calls: in production only over TLS.
      if (deps.config.env === 'production' && !source.url.startsWith('https:'))
        throw new SourcesConfigError(`sources[${i}].url`, 'must be https:// in production');
      const secret = deps.config.readSecret(source.secretEnv) ?? deps.extraSecrets?.[source.secretEnv];
      if (!secret)
        throw new SourcesConfigError(
          `sources[${i}].secretEnv`,
          `environment variable ${source.secretEnv} is not set (the shared secret of ${source.name})`,
        );
      list.push(createHttpConnector(source, { secret, publicUrl: deps.config.publicUrl, now: deps.now }));
    }
  });
  const byName = new Map(list.map((c) => [c.name, c]));
  return {
    get: (name) => byName.get(name),
    list: () => list,
    async close() {
      await Promise.allSettled(list.map((c) => c.close()));
    },
  };
}

export function sourcesFor(connectors: Connectors, action: FulfilmentAction): string[] {
  return connectors
    .list()
    .filter((c) => c.supports(action))
    .map((c) => c.name);
}

/**
 * Start-up check of every source against its live schema. A wrong identifier stops start-up with
 * the path; a source that is merely down is logged and checked again when its tasks run.
 */
export async function checkConnectors(connectors: Connectors, logger: Logger): Promise<void> {
  for (const connector of connectors.list()) {
    try {
      await connector.check();
    } catch (error) {
      if (error instanceof SourceCheckError && error.unreachable) {
        logger.warn(
          { source: connector.name, problem: error.message },
          'data source unreachable at start-up',
        );
        continue;
      }
      throw error;
    }
  }
}
