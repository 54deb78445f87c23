import type PgBoss from 'pg-boss';

// Every queue with its retry policy, in one place. Mail retries for days: an SMTP outage delays, never drops.
export const queues = {
  'mail.send': { retryLimit: 30, retryDelay: 10, retryBackoff: true, expireInSeconds: 120 },
  'requests.sweep': { retryLimit: 2, retryDelay: 60, expireInSeconds: 600 },
  'maintenance.purge': { retryLimit: 2, retryDelay: 60, expireInSeconds: 600 },
  'deadlines.digest': { retryLimit: 3, retryDelay: 300, expireInSeconds: 600 },
  // A data source that is down for a while: 30 s, 1 min, 2 min … about an hour in all, then `failed`.
  'fulfilment.task': { retryLimit: 7, retryDelay: 30, retryBackoff: true, expireInSeconds: 900 },
  'fulfilment.sweep': { retryLimit: 2, retryDelay: 60, expireInSeconds: 600 },
  // Building a big subject's bundle takes minutes; a crash mid-build starts it over.
  'exports.build': { retryLimit: 5, retryDelay: 30, retryBackoff: true, expireInSeconds: 3600 },
  'exports.purge': { retryLimit: 2, retryDelay: 60, expireInSeconds: 600 },
  'records.retention': { retryLimit: 3, retryDelay: 300, expireInSeconds: 3600 },
  // A backup of a large embedded database takes minutes; a failed one is retried twice, 10 min apart.
  'backup.run': { retryLimit: 2, retryDelay: 600, expireInSeconds: 3600 },
} satisfies Record<string, Omit<PgBoss.Queue, 'name'>>;

// Handlers per queue per process. pg-boss fetches oldest first, so with one handler a few failing
// messages being retried can starve newer ones during an outage.
export const concurrency: Record<keyof typeof queues, number> = {
  'mail.send': 4,
  'requests.sweep': 1,
  'maintenance.purge': 1,
  'deadlines.digest': 1,
  'fulfilment.task': 2,
  'fulfilment.sweep': 1,
  'exports.build': 1,
  'exports.purge': 1,
  'records.retention': 1,
  'backup.run': 1,
};

// Cron schedules (UTC), run by whichever worker process holds pg-boss's cron slot.
export const schedules: Partial<Record<keyof typeof queues, string>> = {
  'requests.sweep': '*/10 * * * *',
  'maintenance.purge': '17 * * * *',
  // 06:00 UTC on weekdays: in the inbox before the working day starts in Europe.
  'deadlines.digest': '0 6 * * 1-5',
  'fulfilment.sweep': '*/15 * * * *',
  'exports.purge': '41 * * * *',
  // Daily, at night in Europe: requests closed longer ago than RECORDS_RETENTION_MONTHS lose their personal data.
  'records.retention': '23 2 * * *',
  // backup.run: BACKUP_SCHEDULE, the operator's cron, applied (or removed) at start (JobsOptions.schedules).
};

export type QueueName = keyof typeof queues;

export type JobPayloads = {
  'mail.send': { outboxId: string };
  'requests.sweep': Record<string, never>;
  'maintenance.purge': Record<string, never>;
  'deadlines.digest': Record<string, never>;
  'fulfilment.task': { taskId: string };
  'fulfilment.sweep': Record<string, never>;
  'exports.build': { requestId: string };
  'exports.purge': Record<string, never>;
  'records.retention': Record<string, never>;
  'backup.run': Record<string, never>;
};
