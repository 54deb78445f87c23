import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { FulfilmentAction } from '../fulfilment/connector.ts';
import type { I18n } from '../i18n/i18n.ts';
import type { Jobs } from '../jobs/jobs.ts';
import type { RandomInt } from './reference.ts';

/** What the request services need; `now` and `random` are injectable so tests control time and chance. */
export type RequestDeps = {
  db: Db;
  jobs: Pick<Jobs, 'enqueue'>;
  config: Config;
  i18n: I18n;
  now: () => Date;
  random?: RandomInt;
  /** Names of the data sources that act on a request type (one fulfilment task each). */
  sourcesFor: (action: FulfilmentAction) => string[];
};
