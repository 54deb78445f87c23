import type { Logger } from '../logger.ts';
import type { RequestDeps } from '../requests/request-deps.ts';
import type { Connector } from './connector.ts';

/** The configured data sources by name, opened lazily; closed with the runtime. */
export type Connectors = {
  get(name: string): Connector | undefined;
  list(): readonly Connector[];
  close(): Promise<void>;
};

export type FulfilmentDeps = RequestDeps & {
  connectors: Connectors;
  logger: Logger;
  /** Attempts before a task fails for good (the fulfilment.task queue's retryLimit, overridable in tests). */
  retryLimit: number;
  /** Seconds after which a running attempt is presumed dead (the fulfilment.task queue's expiry). */
  attemptExpirySeconds: number;
};
