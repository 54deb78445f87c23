import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { I18n } from '../i18n/i18n.ts';
import type { Jobs } from '../jobs/jobs.ts';
import type { Logger } from '../logger.ts';
import type { BuildBundle, BundleStore } from './exports-contract.ts';

/** What delivery needs: the web side (download page, staff routes) and the jobs alike. */
export type ExportDeps = {
  db: Db;
  jobs: Pick<Jobs, 'enqueue'>;
  config: Config;
  i18n: I18n;
  now: () => Date;
  logger: Logger;
  store: BundleStore;
};

/** The build job also needs the builder and the queue's retry limit (its last attempt fails the request). */
export type ExportJobDeps = ExportDeps & { build: BuildBundle; retryLimit: number };
