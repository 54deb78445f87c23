import type PgBoss from 'pg-boss';

// Every queue with its retry policy, in one place. Mail retries for days: an SMTP outage delays, never drops.
export const queues = {
  'mail.send': { retryLimit: 30, retryDelay: 10, retryBackoff: true, expireInSeconds: 120 },
} satisfies Record<string, Omit<PgBoss.Queue, 'name'>>;

// Handlers per queue per process. pg-boss fetches oldest first, so with one handler a few failing
// messages being retried can starve newer ones during an outage.
export const concurrency: Record<keyof typeof queues, number> = {
  'mail.send': 4,
};

export type QueueName = keyof typeof queues;

export type JobPayloads = {
  'mail.send': { outboxId: string };
};
