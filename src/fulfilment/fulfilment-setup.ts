import path from 'node:path';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { checkConnectors, createConnectors } from './connectors.ts';
import { DEMO_NEWSLETTER_SECRET_ENV, demoSources, prepareDemoProductDatabase } from './demo/demo-sources.ts';
import type { Connectors } from './fulfilment-deps.ts';
import { loadSourcesFile } from './sources-config.ts';
import type { SourceConfig } from './sources-schemas.ts';

export type Sources = {
  sources: readonly SourceConfig[];
  connectors: Connectors;
  /** The demo newsletter's shared secret when the demo runs (its routes verify with it). */
  demoSecret?: string;
  /** The shared secret of an http source by name (callbacks are verified with it). */
  secretFor(source: string): string | undefined;
};

/** Reads SOURCES_FILE (or parses nothing), without touching any source: fails fast on a bad file. */
export function readSources(config: Config): SourceConfig[] {
  return config.sourcesFile ? loadSourcesFile(config.sourcesFile).sources : [];
}

/**
 * The configured sources (or the demo ones), their connectors, and the start-up check against each
 * live schema. The demo product database is created and seeded on first start.
 */
export async function openSources(
  config: Config,
  configured: SourceConfig[],
  deps: { db: Db; now: () => Date; logger: Logger; check: boolean },
): Promise<Sources> {
  let sources = configured;
  let extraSecrets: Record<string, string> = {};
  let demoSecret: string | undefined;
  if (config.demoSources) {
    await prepareDemoProductDatabase(path.join(config.dataDir, 'demo-source'));
    const demo = demoSources(config);
    sources = demo.sources;
    extraSecrets = demo.secrets;
    demoSecret = demo.secrets[DEMO_NEWSLETTER_SECRET_ENV];
  }
  const connectors = createConnectors(sources, { config, db: deps.db, now: deps.now, extraSecrets });
  try {
    if (deps.check) await checkConnectors(connectors, deps.logger);
  } catch (error) {
    await connectors.close();
    throw error;
  }
  const secretFor = (name: string) => {
    const source = sources.find((s) => s.name === name);
    if (source?.kind !== 'http') return undefined;
    return config.readSecret(source.secretEnv) ?? extraSecrets[source.secretEnv];
  };
  return { sources, connectors, secretFor, ...(demoSecret ? { demoSecret } : {}) };
}
